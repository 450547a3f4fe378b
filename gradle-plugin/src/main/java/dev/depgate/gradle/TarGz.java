package dev.depgate.gradle;

import java.io.EOFException;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Reads one regular file out of a {@code .tar.gz} (ustar, GNU and pax archives): just
 * enough tar for a release archive, so the plugin needs neither a library nor a tar
 * command. Does no network or path handling beyond the one output file it is given.
 */
final class TarGz {
    private static final int BLOCK = 512;

    private TarGz() {
    }

    /**
     * Copies the archive member named {@code name} (also accepted as {@code ./name}) to
     * {@code out}. Returns false when the archive has no such regular file.
     */
    static boolean extract(File archive, String name, File out) throws IOException {
        InputStream in = new GZIPInputStream(new FileInputStream(archive), 65536);
        try {
            byte[] header = new byte[BLOCK];
            String longName = null;
            while (true) {
                if (!readFully(in, header)) {
                    return false;
                }
                if (isZero(header)) {
                    return false;
                }
                String entry = longName != null ? longName : entryName(header);
                longName = null;
                long size = octal(header, 124, 12, archive);
                char type = (char) header[156];
                if (type == 'L') {
                    // GNU long name: the next entry's name is this entry's data.
                    byte[] data = readData(in, size, archive);
                    longName = cString(data, 0, data.length);
                    continue;
                }
                boolean regular = type == '0' || type == '\0';
                if (regular && (entry.equals(name) || entry.equals("./" + name))) {
                    OutputStream os = new FileOutputStream(out);
                    try {
                        copy(in, os, size, archive);
                    } finally {
                        os.close();
                    }
                    return true;
                }
                skip(in, padded(size), archive);
            }
        } finally {
            in.close();
        }
    }

    private static String entryName(byte[] h) {
        String name = cString(h, 0, 100);
        String magic = cString(h, 257, 6);
        String prefix = magic.startsWith("ustar") ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static byte[] readData(InputStream in, long size, File archive) throws IOException {
        if (size > 1 << 20) {
            throw new IOException(archive + ": a tar header entry of " + size + " bytes is not plausible");
        }
        byte[] data = new byte[(int) size];
        if (!readFully(in, data)) {
            throw new EOFException(archive + ": truncated tar archive");
        }
        skip(in, padded(size) - size, archive);
        return data;
    }

    private static void copy(InputStream in, OutputStream out, long size, File archive) throws IOException {
        byte[] buf = new byte[65536];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException(archive + ": truncated tar archive");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static void skip(InputStream in, long n, File archive) throws IOException {
        byte[] buf = new byte[8192];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new EOFException(archive + ": truncated tar archive");
            }
            left -= r;
        }
    }

    private static boolean readFully(InputStream in, byte[] buf) throws IOException {
        int off = 0;
        while (off < buf.length) {
            int n = in.read(buf, off, buf.length - off);
            if (n < 0) {
                if (off == 0) {
                    return false;
                }
                throw new EOFException("truncated tar header");
            }
            off += n;
        }
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] h, int off, int len, File archive) throws IOException {
        if ((h[off] & 0x80) != 0) {
            // GNU base-256 for sizes of 8 GiB and more: far beyond a depgate archive.
            throw new IOException(archive + ": tar entry too large");
        }
        String s = cString(h, off, len).trim();
        if (s.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException(archive + ": not a tar archive (bad size field '" + s + "')", e);
        }
    }
}
