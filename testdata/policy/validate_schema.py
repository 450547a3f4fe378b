#!/usr/bin/env python3
"""Validate a JSON array of documents against a JSON Schema (draft 2020-12).

    validate_schema.py SCHEMA DOCS.json

Exit 0: all valid; 1: some invalid (each error printed with the document's index and
path); 3: the `jsonschema` package is not installed (pip install jsonschema).
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema is not installed: pip install jsonschema", file=sys.stderr)
    sys.exit(3)

schema = json.load(open(sys.argv[1]))
docs = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
bad = 0
for i, doc in enumerate(docs):
    for err in validator.iter_errors(doc):
        bad += 1
        where = "/".join(str(p) for p in err.absolute_path)
        purl = doc.get("package", {}).get("purl", "?") if isinstance(doc, dict) else "?"
        print(f"document {i} ({purl}) at /{where}: {err.message}")
print(f"{len(docs)} documents, {bad} errors")
sys.exit(1 if bad else 0)
