//! `[storage]`: the default, a full S3 section, and one test per mistake (each names the
//! key and what to write instead).

use std::path::Path;

use super::*;

fn parse(storage: &str) -> Result<Config, ConfigErrors> {
    let base = "[npm]\nchain = [\"npmjs\"]\n\n[upstream.npmjs]\nkind = \"npm\"\nurl = \"https://registry.npmjs.org/\"\ntier = \"public\"\n";
    Config::parse(&format!("{base}\n[storage]\n{storage}"), Path::new("proj/depgate.toml"))
}

fn problem(storage: &str) -> String {
    match parse(storage) {
        Ok(_) => panic!("expected an error for:\n{storage}"),
        Err(e) => {
            assert_eq!(e.0.len(), 1, "{e:#?}");
            e.0[0].to_string()
        }
    }
}

#[test]
fn disk_is_the_default() {
    assert_eq!(Config::embedded_default().storage, StorageConfig::Disk);
    assert_eq!(parse("").unwrap().storage, StorageConfig::Disk);
    assert_eq!(parse("kind = \"disk\"").unwrap().storage, StorageConfig::Disk);
}

#[test]
fn a_full_s3_section() {
    let c = parse(
        "kind = \"s3\"\nbucket = \"depgate-cache\"\nprefix = \"/fleets/a/\"\nendpoint = \"http://127.0.0.1:8333/\"\nregion = \"eu-west-1\"\naccess_key_id = \"env:CACHE_KEY\"\nsecret_access_key = \"env:CACHE_SECRET\"\nsession_token = \"env:CACHE_TOKEN\"",
    )
    .unwrap();
    let StorageConfig::S3(s) = c.storage else { panic!("not s3") };
    assert_eq!(s.bucket, "depgate-cache");
    assert_eq!(s.prefix.as_deref(), Some("fleets/a"));
    assert_eq!(s.endpoint.unwrap().as_str(), "http://127.0.0.1:8333/");
    assert_eq!(s.region, "eu-west-1");
    assert!(!s.allow_http);
    assert_eq!(
        (s.access_key_id_env.as_deref(), s.secret_access_key_env.as_deref(), s.session_token_env.as_deref()),
        (Some("CACHE_KEY"), Some("CACHE_SECRET"), Some("CACHE_TOKEN"))
    );
    let c = parse("kind = \"s3\"\nbucket = \"b-1.x\"").unwrap();
    let StorageConfig::S3(s) = c.storage else { panic!("not s3") };
    assert_eq!((s.region.as_str(), s.endpoint, s.prefix, s.access_key_id_env), ("us-east-1", None, None, None));
    let c =
        parse("kind = \"s3\"\nbucket = \"bbb\"\nendpoint = \"http://minio.internal:9000\"\nallow_http = true").unwrap();
    assert!(matches!(c.storage, StorageConfig::S3(s) if s.allow_http));
}

#[test]
fn mistakes_name_the_key_and_the_fix() {
    let cases: &[(&str, &[&str])] = &[
        ("kind = \"s3\"", &["proj/depgate.toml:", "needs `bucket`"]),
        ("kind = \"gcs\"", &["unknown [storage] kind `gcs`", "kind = \"s3\""]),
        ("kind = \"s3\"\nbucket = \"Upper_Case\"", &["not a valid bucket name"]),
        ("kind = \"s3\"\nbucket = \"bbb\"\nprefix = \"a/../b\"", &["not a valid key prefix"]),
        ("kind = \"s3\"\nbucket = \"bbb\"\nendpoint = \"ftp://x\"", &["not an http(s) URL"]),
        ("kind = \"s3\"\nbucket = \"bbb\"\nendpoint = \"http://s3.example.com\"", &["plain http", "allow_http = true"]),
        ("kind = \"s3\"\nbucket = \"bbb\"\nendpoint = \"https://k:s@s3.example.com\"", &["must not hold credentials"]),
        ("kind = \"s3\"\nbucket = \"bbb\"\nallow_http = true", &["no effect without an http endpoint"]),
        (
            "kind = \"s3\"\nbucket = \"bbb\"\naccess_key_id = \"AKIAEXAMPLE\"",
            &["`access_key_id` must be a reference `env:NAME`"],
        ),
        ("kind = \"s3\"\nbucket = \"bbb\"\naccess_key_id = \"env:K\"", &["only part of the credentials"]),
        ("bucket = \"bbb\"", &["`bucket` has no effect with [storage] kind = \"disk\""]),
        ("kind = \"s3\"\nbucket = \"bbb\"\nbuckett = \"x\"", &["unknown key `buckett`", "did you mean `bucket`"]),
    ];
    for (storage, wanted) in cases {
        let text = problem(storage);
        for w in *wanted {
            assert!(text.contains(w), "{storage}: `{w}` not in:\n{text}");
        }
        // A credential written where a reference belongs is never echoed.
        assert!(!text.contains("AKIAEXAMPLE"), "{text}");
    }
}
