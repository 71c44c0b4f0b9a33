import { Token } from "cdktf";
import { enginesReserving, SqlEngine } from "./sql-keywords";

/**
 * Synth-time validation. Every failure names the construct, the prop, the bad value and the fix,
 * e.g. `StreamJob: taskManagers must be >= 1 (got 0). Set taskManagers to 1 or more.`
 * Values that are unresolved tokens (known only at apply time) are skipped.
 */
export class ValidationError extends Error {
  constructor(
    /** The construct whose input is wrong, e.g. `StreamJob`. */
    public readonly construct: string,
    /** The prop whose value is wrong, e.g. `taskManagers`. */
    public readonly prop: string,
    problem: string,
    value: unknown,
    fix: string,
  ) {
    super(`${construct}: ${prop} ${problem} (got ${JSON.stringify(value)}). ${fix}`);
    this.name = "ValidationError";
  }
}

/** An integer from `min` to `max` (inclusive); undefined and tokens pass. */
export function validateInteger(construct: string, prop: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `an integer from ${min} to ${max}`;
    throw new ValidationError(construct, prop, `must be ${range}`, value, `Set ${prop} to ${range}.`);
  }
}

/**
 * A string matching `pattern`; undefined and tokens pass. On failure the message says the `rule`
 * and suggests the name `rename(value)` returns.
 */
export function validatePattern(construct: string, prop: string, value: string | undefined, pattern: RegExp, rule: string, rename: (value: string) => string): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!pattern.test(value)) throw new ValidationError(construct, prop, `must be ${rule}`, value, `Rename it, e.g. '${rename(value)}'.`);
}

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** Lower-case, unquoted SQL identifiers: valid unchanged in PostgreSQL, Flink, Iceberg and Trino. */
export function validateSqlIdentifier(construct: string, prop: string, value: string | undefined): void {
  validatePattern(construct, prop, value, SQL_IDENTIFIER, "a lower-case SQL identifier (a-z, 0-9, _; not starting with a digit; at most 63 characters)", suggestIdentifier);
}

/**
 * A lower-case SQL identifier (see {@link validateSqlIdentifier}) that none of `engines` reserves:
 * those engines' SQL writes it unquoted, where a reserved word such as `order` or `user` is a
 * syntax error. The message names every engine that reserves it.
 */
export function validateUnreservedIdentifier(construct: string, prop: string, value: string | undefined, engines: readonly SqlEngine[]): void {
  validateSqlIdentifier(construct, prop, value);
  if (value === undefined || Token.isUnresolved(value)) return;
  const reserving = enginesReserving(value, engines);
  if (reserving.length > 0) {
    const alternative = [`${value}s`, `${value}_`].find((name) => !value.endsWith("s") && enginesReserving(name, engines).length === 0) ?? `${value}_`;
    throw new ValidationError(construct, prop, `is a reserved word in ${listOf(reserving)}, whose SQL writes it unquoted`, value, `Rename it, e.g. '${alternative}'.`);
  }
}

// Kafka refuses "." and ".." as names.
const KAFKA_NAME = /^(?!\.{1,2}$)[a-zA-Z0-9._-]{1,200}$/;
/** A valid Kafka topic or connector name; undefined and tokens pass. */
export function validateKafkaName(construct: string, prop: string, value: string | undefined): void {
  validatePattern(construct, prop, value, KAFKA_NAME, "a valid Kafka name (a-z, A-Z, 0-9, '.', '_', '-'; at most 200 characters)", (v) => v.replace(/[^a-zA-Z0-9._-]/g, "_").slice(0, 200) || "bank");
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Service, volume and secret names: valid as Docker container names and Kubernetes object names. */
export function validateDnsLabel(construct: string, prop: string, value: string | undefined): void {
  validatePattern(construct, prop, value, DNS_LABEL, "a DNS label (lower-case a-z, 0-9 and '-', starting with a letter, at most 63 characters)", (v) => suggestIdentifier(v).replace(/_/g, "-"));
}

/** A list with at least one entry; undefined (use the default) passes. */
export function validateNonEmpty<T>(construct: string, prop: string, value: readonly T[] | undefined): void {
  if (value !== undefined && value.length === 0) {
    throw new ValidationError(construct, prop, "must not be empty", value, `Give ${prop} at least one entry, or leave it unset for the default.`);
  }
}

function suggestIdentifier(value: string): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "_")
    .replace(/^([0-9])/, "_$1");
  return cleaned.slice(0, 63) || "name";
}

/** `a`, `a and b`, `a, b and c` */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
