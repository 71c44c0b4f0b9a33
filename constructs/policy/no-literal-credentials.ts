import { asBlock, blocks, containerEnv, isExpression, isKubernetes, kubernetesKind } from "./inspect";
import { IPolicyRule, PolicyFinding, SynthesizedElement } from "./rule";

/**
 * The words of a setting's name, upper case: `MB_DB_PASS` -> MB, DB, PASS;
 * `s3.aws-secret-key` -> S3, AWS, SECRET, KEY; `secretAccessKey` -> SECRET, ACCESS, KEY.
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w.toUpperCase());
}

/** Words that name a credential on their own, also inside a word (`PGPASSWORD`, `APITOKEN`). */
const CREDENTIAL_WORD = /(PASS|PASSWORD|PASSWD|PWD|PASSPHRASE)$|SECRET|TOKEN|CREDENTIAL|APIKEY|PRIVATEKEY/;

/** Last words that make a name refer to where a credential is, or to its public half, not the credential itself. */
const NOT_THE_VALUE = new Set(["ID", "FILE", "FILES", "PATH", "DIR", "USER", "USERNAME", "NAME", "URL", "URI", "ENV", "ENABLED", "ENABLE", "METHOD", "TYPE", "LENGTH", "TTL", "EXPIRY"]);

/** A `KEY` word names a secret unless a word before it says it is an identifier or public. */
const NON_SECRET_KEY_QUALIFIERS = new Set(["ACCESS", "PUBLIC", "PRIMARY", "FOREIGN", "PARTITION", "SORT", "ROUTING", "MESSAGE", "RECORD", "SCHEMA", "HASH", "CACHE"]);

/**
 * Whether a setting's name says it holds a credential. True when one of its words is a credential
 * word (PASS, PASSWORD, PASSWD, PWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL(S), APIKEY,
 * PRIVATEKEY, also inside a word such as `PGPASSWORD`), or its last word is `KEY` (`API_KEY`,
 * `ENCRYPTION_KEY`) and the word before it is not ACCESS, PUBLIC, PRIMARY, ...; and the name does
 * not end in a word that points at the credential instead of holding it (`_ID`, `_FILE`, `_PATH`,
 * `_USER`, `_URL`, ...).
 *
 * Deliberately not credentials: `AWS_ACCESS_KEY_ID` and `S3_ACCESS_KEY` (the public half of an
 * access-key pair, like a user name), `PUBLIC_KEY`, `KEY_ID`, `KEY_CONVERTER`, `PASSWORD_FILE`.
 */
export function isCredentialName(name: string): boolean {
  const words = nameWords(name);
  if (words.length === 0) return false;
  const last = words[words.length - 1];
  if (NOT_THE_VALUE.has(last)) return false;
  if (words.some((w) => CREDENTIAL_WORD.test(w))) return true;
  return last === "KEY" && !(words.length > 1 && NON_SECRET_KEY_QUALIFIERS.has(words[words.length - 2]));
}

/**
 * Whether a value is written into the configuration as is. Terraform expressions (`${...}`,
 * also escaped as `$${...}` in uploaded files) and the placeholders that the programs reading the
 * file resolve themselves are not: `${env:X}`, `{{ env_var('X') }}`, `$(X)`, `%{...}`,
 * YAML `{env: X}`, `$X`. An empty value sets nothing and is not flagged either.
 */
export function isLiteralValue(value: unknown): boolean {
  if (typeof value !== "string") return value !== undefined && value !== null && typeof value !== "object" && typeof value !== "boolean";
  const v = value.trim().replace(/^["']|["']$/g, "");
  if (v === "") return false;
  if (isExpression(v) || v.includes("{{") || v.includes("$(") || v.includes("%{")) return false;
  if (v.startsWith("{") || v.startsWith("$")) return false;
  return true;
}

/** One `name = value` pair found somewhere in an element, with where it sits (for messages). */
interface Setting {
  readonly at: string;
  readonly name: string;
  readonly value: unknown;
}

/**
 * No credential is written into a stack as a literal: every setting whose name says it holds a
 * credential (see {@link isCredentialName}) takes its value from a random_password, a sensitive
 * variable, a Secret or a placeholder resolved at run time, never from text in the code, where
 * it would be committed, reviewed and shared with everyone who reads the repository.
 *
 * Checks the environment of every `docker_container` and every container and init container of
 * Kubernetes workloads and Jobs (`value`; `value_from.secret_key_ref` is the right way), the
 * `data` of Kubernetes ConfigMaps, and the configuration files a stack uploads into containers
 * or mounts from ConfigMaps: `.json` (every key), `.properties`, `.conf`, `.config`, `.cfg`,
 * `.ini`, `.env`, `.yml`, `.yaml` and `.toml` (`key = value` and `key: value` lines). Scripts
 * (`.js`, `.py`, `.sh`, `.sql`) are not parsed: they read credentials from the environment,
 * which the rule checks.
 */
export class NoLiteralCredentialsRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "no-literal-credentials";
  public readonly id = NoLiteralCredentialsRule.ID;
  public readonly description = "Settings named like credentials never hold a literal value.";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource") return [];
    const address = `${element.type}.${element.name}`;
    return settingsOf(element)
      .filter((s) => isCredentialName(s.name) && isLiteralValue(s.value))
      .map((s) => ({
        level: "error",
        message: `${address} ${s.at} sets the credential ${s.name} to a literal value.`,
        fix: "Take it from a random_password, a sensitive variable or a Kubernetes Secret (secretEnv on a workload), or have the program read it from the environment (e.g. ${env:NAME}).",
      }));
  }
}

function settingsOf(element: SynthesizedElement): Setting[] {
  const config = element.config;
  if (element.type === "docker_container") {
    const files = blocks(config.upload).flatMap((u, i) => fileSettings(`upload[${i}] ${u.file}`, u.file, u.content));
    return [...containerEnv(element.type, config), ...files];
  }
  if (!isKubernetes(element.type)) return [];
  if (kubernetesKind(element.type) === "config_map") {
    return Object.entries(asBlock(config.data)).flatMap(([key, value]) => [{ at: `data.${key}`, name: key, value }, ...fileSettings(`data.${key}`, key, value)]);
  }
  return containerEnv(element.type, config);
}

const JSON_FILE = /\.json$/i;
const KEY_VALUE_FILE = /\.(properties|conf|config|cfg|ini|env|ya?ml|toml)$/i;

/** Settings in a configuration file's text; none for other files or content computed at plan time. */
function fileSettings(at: string, file: unknown, content: unknown): Setting[] {
  if (typeof content !== "string" || /^\$\{[^}]*\}$/.test(content.trim())) return [];
  if (JSON_FILE.test(String(file))) return jsonSettings(at, content);
  if (KEY_VALUE_FILE.test(String(file))) return lineSettings(at, content);
  return [];
}

function jsonSettings(at: string, content: string): Setting[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return lineSettings(at, content); // not JSON after all (a template): read it line by line
  }
  const found: Setting[] = [];
  const walk = (value: unknown, path: string): void => {
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value)) {
      const where = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
      if (!Array.isArray(value) && (child === null || typeof child !== "object")) found.push({ at: `${at} ${where.slice(1)}`, name: key, value: child });
      walk(child, where);
    }
  };
  walk(parsed, "");
  return found;
}

function lineSettings(at: string, content: string): Setting[] {
  return content.split("\n").flatMap((line, i) => {
    const m = /^\s*(?:-\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!m || /^\s*[#;]/.test(line)) return [];
    const value = m[2].replace(/\s+#.*$/, "");
    return [{ at: `${at} line ${i + 1}`, name: m[1], value }];
  });
}
