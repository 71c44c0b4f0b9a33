import { execFileSync } from "child_process";
import { createPrivateKey, X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** `npm run tls` into `dir`; its log (stderr). */
const tls = (dir: string): string =>
  execFileSync("bash", [path.join(__dirname, "../scripts/tls.sh")], { env: { ...process.env, LAKEHOUSE_TLS_DIR: dir }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) || "";

describe("npm run tls: a local CA and Trino's certificate", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a server certificate for trino, localhost and 127.0.0.1, signed by the CA, with its key readable by its owner only", () => {
    tls(dir);
    const read = (f: string) => fs.readFileSync(path.join(dir, f));
    const ca = new X509Certificate(read("ca.pem"));
    const cert = new X509Certificate(read("trino.pem"));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost("trino")).toBe("trino");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkHost("trino.example.com")).toBeUndefined();
    expect(cert.checkPrivateKey(createPrivateKey(read("trino-key.pem")))).toBe(true);
    for (const key of ["trino-key.pem", "ca-key.pem"]) expect(fs.statSync(path.join(dir, key)).mode & 0o077).toBe(0);
  });

  test("idempotent: a valid certificate is kept; one that names other hosts is replaced, by the same CA", () => {
    const before = fs.readFileSync(path.join(dir, "trino.pem"), "utf8");
    tls(dir);
    expect(fs.readFileSync(path.join(dir, "trino.pem"), "utf8")).toBe(before);
    const ca = fs.readFileSync(path.join(dir, "ca.pem"), "utf8");
    fs.copyFileSync(path.join(dir, "ca.pem"), path.join(dir, "trino.pem"));
    tls(dir);
    const replaced = new X509Certificate(fs.readFileSync(path.join(dir, "trino.pem")));
    expect(replaced.checkHost("trino")).toBe("trino");
    expect(fs.readFileSync(path.join(dir, "ca.pem"), "utf8")).toBe(ca);
  });
});
