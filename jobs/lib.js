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

module.exports = { sleep, log, env, http, until, run, HttpError, FatalError };
