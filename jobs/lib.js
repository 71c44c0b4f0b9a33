// @ts-check
"use strict";
/**
 * Shared helpers of the job scripts. Jobs run in a plain Node.js (>= 18) container with only
 * these files mounted, so they use the global fetch and no packages.
 */

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {...unknown} parts */
function log(...parts) {
  console.log(new Date().toISOString(), ...parts);
}

/** A required environment variable, or a clear error naming it. @param {string} name */
function env(name) {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} is not set`);
  return value;
}

class HttpError extends Error {
  /** @param {string} method @param {string} url @param {number} status @param {string} body */
  constructor(method, url, status, body) {
    super(`${method} ${url} answered ${status}: ${body.slice(0, 2000)}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * One HTTP call with a JSON body and a JSON (or empty) answer; throws HttpError on a non-2xx status.
 * @param {string} method @param {string} url @param {unknown} [body] @param {Record<string,string>} [headers]
 * @returns {Promise<any>}
 */
async function http(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new HttpError(method, url, response.status, text);
  return text === "" ? undefined : JSON.parse(text);
}

/**
 * Polls `probe` until it returns something other than undefined, or fails with what it waited
 * for and the last error seen. Errors while polling (a service still starting) are retried.
 * @template T
 * @param {string} what @param {() => Promise<T | undefined>} probe
 * @param {{ timeoutMs?: number, intervalMs?: number }} [options]
 * @returns {Promise<T>}
 */
async function until(what, probe, { timeoutMs = 300_000, intervalMs = 2_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof FatalError) throw err;
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last: ${last}`);
    await sleep(intervalMs);
  }
}

/** An error that polling must not retry. */
class FatalError extends Error {}

/** Runs a job's main function: logs the error and exits 1 on failure. @param {() => Promise<void>} main */
function run(main) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(new Date().toISOString(), "FAILED:", err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}

/**
 * A minimal S3 client (AWS Signature V4, path-style) for MinIO or S3: enough to list, read and
 * write small objects without shipping an SDK into the job container.
 * @param {{ endpoint: string, region: string, accessKeyId: string, secretAccessKey: string, bucket: string }} cfg
 */
function s3Client(cfg) {
  const crypto = require("crypto");
  const hash = (/** @type {string} */ data) => crypto.createHash("sha256").update(data).digest("hex");
  const hmac = (/** @type {crypto.BinaryLike} */ key, /** @type {string} */ data) => crypto.createHmac("sha256", key).update(data).digest();
  const encode = (/** @type {string} */ s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

  /** @param {string} method @param {string} key @param {Record<string, string>} query @param {string} body */
  async function request(method, key, query = {}, body = "") {
    const url = new URL(cfg.endpoint);
    const path = `/${cfg.bucket}${key ? `/${key.split("/").map(encode).join("/")}` : ""}`;
    const canonicalQuery = Object.keys(query)
      .sort()
      .map((k) => `${encode(k)}=${encode(query[k])}`)
      .join("&");
    const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
    const day = amzDate.slice(0, 8);
    const payloadHash = hash(body);
    const headers = { host: url.host, "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate };
    const signedHeaders = Object.keys(headers).sort().join(";");
    const canonicalHeaders = Object.keys(headers)
      .sort()
      .map((h) => `${h}:${headers[/** @type {keyof typeof headers} */ (h)]}`);
    // Canonical request: the header block ends with its own newline, hence the empty element.
    const canonical = [method, path, canonicalQuery, ...canonicalHeaders, "", signedHeaders, payloadHash].join("\n");
    const scope = `${day}/${cfg.region}/s3/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, hash(canonical)].join("\n");
    let signingKey = hmac(`AWS4${cfg.secretAccessKey}`, day);
    for (const part of [cfg.region, "s3", "aws4_request"]) signingKey = hmac(signingKey, part);
    const signature = crypto.createHmac("sha256", signingKey).update(toSign).digest("hex");
    const response = await fetch(`${url.origin}${path}${canonicalQuery ? `?${canonicalQuery}` : ""}`, {
      method,
      headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${cfg.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}` },
      body: method === "PUT" ? body : undefined,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    return { status: response.status, text };
  }

  const unxml = (/** @type {string} */ s) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  return {
    /** Every object under `prefix`, with its last-modified time. @param {string} prefix */
    async list(prefix) {
      /** @type {{ key: string, lastModified: number }[]} */
      const objects = [];
      /** @type {string | undefined} */
      let token;
      do {
        const r = await request("GET", "", { "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) });
        if (r.status !== 200) throw new Error(`S3 list of s3://${cfg.bucket}/${prefix} answered ${r.status}: ${r.text.slice(0, 500)}`);
        for (const m of r.text.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
          const key = unxml(/<Key>([\s\S]*?)<\/Key>/.exec(m[1])?.[1] ?? "");
          objects.push({ key, lastModified: Date.parse(/<LastModified>(.*?)<\/LastModified>/.exec(m[1])?.[1] ?? "") });
        }
        token = /<IsTruncated>true<\/IsTruncated>/.test(r.text) ? unxml(/<NextContinuationToken>(.*?)<\/NextContinuationToken>/.exec(r.text)?.[1] ?? "") : undefined;
      } while (token);
      return objects;
    },
    /** The object's text, or undefined if there is none. @param {string} key */
    async get(key) {
      const r = await request("GET", key);
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw new Error(`S3 GET s3://${cfg.bucket}/${key} answered ${r.status}: ${r.text.slice(0, 500)}`);
      return r.text;
    },
    /** @param {string} key @param {string} text */
    async put(key, text) {
      const r = await request("PUT", key, {}, text);
      if (r.status !== 200) throw new Error(`S3 PUT s3://${cfg.bucket}/${key} answered ${r.status}: ${r.text.slice(0, 500)}`);
    },
  };
}

module.exports = { sleep, log, env, http, until, run, s3Client, HttpError, FatalError };
