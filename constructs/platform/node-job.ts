import { asset } from "../assets";
import { FileSpec, JobSpec, ResourceSpec } from "./workload";

/** Resources of a Node job whose spec sets none: the scripts in jobs/ only call HTTP APIs. */
export const NODE_JOB_RESOURCES: ResourceSpec = { cpuMillis: 100, memoryMiB: 128 };
/** UID of the `node` user of the official Node.js image. */
export const NODE_USER = 1000;
/** Where the scripts of jobs/ are mounted, with their shared `lib.js`. */
export const NODE_JOB_DIR = "/job";
/** The variable the scripts of jobs/ read their time budget from. */
export const NODE_JOB_TIMEOUT_ENV = "TIMEOUT_SECONDS";

/** A job that runs one of the Node scripts in jobs/. */
export interface NodeJobSpec extends Omit<JobSpec, "command" | "args" | "timeoutEnv"> {
  /** File name of the script in jobs/, e.g. `register-connector.js`. */
  readonly script: string;
  /** Arguments after the script, e.g. `["await"]`. @default [] */
  readonly scriptArgs?: string[];
}

/**
 * The files a Node script of jobs/ needs: `lib.js` and the script itself, under
 * {@link NODE_JOB_DIR}. For services that run a script (the Flink keeper) as much as for jobs.
 */
export function nodeScriptFiles(script: string): FileSpec[] {
  return [
    { path: `${NODE_JOB_DIR}/lib.js`, content: asset("jobs/lib.js") },
    { path: `${NODE_JOB_DIR}/${script}`, content: asset(`jobs/${script}`) },
  ];
}

/** `node /job/<script> <args>`: the command line of a Node script of jobs/. */
export function nodeScriptCommand(script: string, args: string[] = []): string[] {
  return ["node", `${NODE_JOB_DIR}/${script}`, ...args];
}

/**
 * The job spec of a Node script of jobs/: the script and `lib.js` mounted before the spec's own
 * files, {@link NODE_JOB_RESOURCES} and {@link NODE_USER} unless set, and the job's
 * `timeoutSeconds` handed to the script as `TIMEOUT_SECONDS` (less the platform's margin).
 */
export function nodeJob(spec: NodeJobSpec): JobSpec {
  const { script, scriptArgs, files, ...rest } = spec;
  return {
    resources: NODE_JOB_RESOURCES,
    runAsUser: NODE_USER,
    ...rest,
    command: nodeScriptCommand(script, scriptArgs),
    files: [...nodeScriptFiles(script), ...(files ?? [])],
    timeoutEnv: NODE_JOB_TIMEOUT_ENV,
  };
}
