import { Agent, fetch } from "undici";
import { waitFor } from "./bench";

// Dagster's webserver (uvicorn) closes a connection idle for 5 s. A pooled connection races that
// close: a request sent on it as the server closes it fails with "other side closed", and a
// caller that blocks the event loop (the e2e's synchronous `docker stop`) sends one on a closed
// connection whatever the pool's idle timeout. Each Dagster call opens its own connection
// (`pipelining: 0` turns keep-alive off); on localhost that costs well under a millisecond.
const DAGSTER_CONNECTIONS = new Agent({ pipelining: 0 });

/** A sensor or schedule of the code location, as Dagster's GraphQL API lists it. */
interface Instigator {
  readonly kind: "sensor" | "schedule";
  readonly name: string;
  readonly repository: string;
  readonly state: { readonly id: string; readonly selectorId: string; readonly status: string };
}

/** Whether an instigator is one of the stack's table maintenance (orchestrator/definitions.py names its schedule and sensor `iceberg_*`). */
export const isMaintenance = (name: string): boolean => name.startsWith("iceberg_");

/** One request to Dagster's GraphQL API: its `data`, or an error naming the answer's errors. */
export async function dagsterGraphql<T>(dagsterUrl: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${dagsterUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
    dispatcher: DAGSTER_CONNECTIONS,
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!response.ok || body.errors || !body.data) throw new Error(`Dagster GraphQL at ${dagsterUrl}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  return body.data;
}

const INSTIGATORS = `{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name }
  sensors { name sensorState { id selectorId status } } schedules { name scheduleState { id selectorId status } } } } } }`;

async function instigators(dagsterUrl: string, location: string): Promise<Instigator[]> {
  type Repo = {
    name: string;
    location: { name: string };
    sensors: { name: string; sensorState: Instigator["state"] }[];
    schedules: { name: string; scheduleState: Instigator["state"] }[];
  };
  const data = await dagsterGraphql<{ repositoriesOrError: { nodes?: Repo[] } }>(dagsterUrl, INSTIGATORS);
  return (data.repositoriesOrError.nodes ?? [])
    .filter((r) => r.location.name === location)
    .flatMap((r) => [
      ...r.sensors.map((s) => ({ kind: "sensor" as const, name: s.name, repository: r.name, state: s.sensorState })),
      ...r.schedules.map((s) => ({ kind: "schedule" as const, name: s.name, repository: r.name, state: s.scheduleState })),
    ]);
}

/**
 * Stops the code location's running sensors and schedules (those `only` accepts) and waits (up to 10 minutes) for runs
 * in flight to end, so no dbt build competes with a measurement; `resume` starts again exactly
 * those it stopped. Returns their names for the report.
 */
export async function pauseAutomation(
  dagsterUrl: string,
  location: string,
  say: (line: string) => void,
  only: (name: string) => boolean = () => true,
): Promise<{ paused: string[]; resume: () => Promise<void> }> {
  const running = (await instigators(dagsterUrl, location)).filter((i) => i.state.status === "RUNNING" && only(i.name));
  for (const i of running) {
    if (i.kind === "sensor") {
      await dagsterGraphql(dagsterUrl, "mutation($id: String, $sel: String) { stopSensor(id: $id, jobSelectorId: $sel) { __typename } }", { id: i.state.id, sel: i.state.selectorId });
    } else {
      await dagsterGraphql(dagsterUrl, "mutation($id: String, $sel: String) { stopRunningSchedule(id: $id, scheduleSelectorId: $sel) { __typename } }", { id: i.state.id, sel: i.state.selectorId });
    }
  }
  const paused = running.map((i) => `${i.kind} ${i.name}`);
  if (paused.length) say(`Dagster: stopped ${paused.join(", ")} for the measurement; waiting for runs in flight`);
  const active = "{ runsOrError(filter: { statuses: [QUEUED, NOT_STARTED, STARTING, STARTED, CANCELING] }) { ... on Runs { results { runId } } } }";
  await waitFor(
    async () => ((await dagsterGraphql<{ runsOrError: { results?: unknown[] } }>(dagsterUrl, active)).runsOrError.results ?? []).length === 0,
    600_000,
    "Dagster's runs in flight to end",
    5000,
  );
  return {
    paused,
    resume: async () => {
      for (const i of running) {
        const selector = { repositoryName: i.repository, repositoryLocationName: location };
        if (i.kind === "sensor") {
          await dagsterGraphql(dagsterUrl, "mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) { __typename } }", { s: { ...selector, sensorName: i.name } });
        } else {
          await dagsterGraphql(dagsterUrl, "mutation($s: ScheduleSelector!) { startSchedule(scheduleSelector: $s) { __typename } }", { s: { ...selector, scheduleName: i.name } });
        }
      }
      if (paused.length) say(`Dagster: started ${paused.join(", ")} again`);
    },
  };
}

/** How a Dagster run ended. */
export interface RunOutcome {
  readonly runId: string;
  readonly status: string;
  readonly stepsSucceeded: number;
  readonly stepsFailed: number;
  readonly materializations: number;
  readonly seconds: number;
  /** Unless it succeeded: the run's error messages (a failed step's error, dbt's failed tests), oldest first. */
  readonly errors?: string[];
}

/**
 * Launches `job` of the code location with `runConfig` and waits (up to `timeoutMs`) for it to
 * end. The run queues behind any run in flight (the instance runs one at a time).
 */
export async function runJob(dagsterUrl: string, location: string, job: string, runConfig: Record<string, unknown> = {}, timeoutMs = 900_000): Promise<RunOutcome> {
  const repository = await repositoryOf(dagsterUrl, location);
  type Launched = { launchRun: { __typename: string; run?: { runId: string }; message?: string } };
  const launched = await dagsterGraphql<Launched>(
    dagsterUrl,
    `mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { pipelineName } ... on PipelineNotFoundError { message } } }`,
    { p: { selector: { repositoryLocationName: location, repositoryName: repository, jobName: job }, runConfigData: runConfig } },
  );
  const runId = launched.launchRun.run?.runId;
  if (!runId) throw new Error(`Dagster did not launch ${job}: ${launched.launchRun.__typename} ${launched.launchRun.message ?? ""}`);
  const t0 = Date.now();
  type Run = { status?: string; stats?: { stepsSucceeded: number; stepsFailed: number; materializations: number } };
  let run: Run = {};
  await waitFor(
    async () => {
      run = (
        await dagsterGraphql<{ runOrError: Run }>(
          dagsterUrl,
          "query($id: ID!) { runOrError(runId: $id) { ... on Run { status stats { ... on RunStatsSnapshot { stepsSucceeded stepsFailed materializations } } } } }",
          { id: runId },
        )
      ).runOrError;
      return ["SUCCESS", "FAILURE", "CANCELED"].includes(run.status ?? "");
    },
    timeoutMs,
    `Dagster run ${runId} of ${job} to end`,
    2000,
  );
  const stats = run.stats ?? { stepsSucceeded: 0, stepsFailed: 0, materializations: 0 };
  const seconds = (Date.now() - t0) / 1000;
  return { runId, status: run.status!, ...stats, seconds, ...(run.status === "SUCCESS" ? {} : { errors: await runErrors(dagsterUrl, runId) }) };
}

/** The error-level messages of a run's event log (a step's failure with its error), at most `limit`. */
async function runErrors(dagsterUrl: string, runId: string, limit = 20): Promise<string[]> {
  type PythonError = { message: string; cause?: PythonError | null };
  type Event = { __typename: string; message?: string; level?: string; error?: PythonError | null };
  type Logs = { logsForRun: { events?: Event[]; message?: string } };
  const { logsForRun } = await dagsterGraphql<Logs>(
    dagsterUrl,
    `query($id: ID!) { logsForRun(runId: $id, limit: 10000) { ... on EventConnection { events { __typename ... on MessageEvent { message level }
      ... on ExecutionStepFailureEvent { error { ...E } } ... on RunFailureEvent { error { ...E } } } } ... on PythonError { message } } }
      fragment E on PythonError { message cause { message cause { message } } }`,
    { id: runId },
  );
  if (!logsForRun.events) return [`the run's event log is unreadable: ${logsForRun.message ?? "no answer"}`];
  return (
    logsForRun.events
      .filter((e) => e.level === "ERROR" || e.level === "CRITICAL")
      // The step's error wraps the op's own (its cause): the cause says what went wrong.
      .map((e) =>
        [e.message, ...chain(e.error)]
          .map((m) => m?.trim())
          .filter(Boolean)
          .join(": ")
          .slice(0, 2000),
      )
      .slice(0, limit)
  );
}

/** An error's message and its causes' messages, outermost first. */
function chain(error: { message: string; cause?: typeof error | null } | null | undefined): string[] {
  return error ? [error.message, ...chain(error.cause)] : [];
}

/** The repository of a code location (one per location here). */
async function repositoryOf(dagsterUrl: string, location: string): Promise<string> {
  const repos = await dagsterGraphql<{ repositoriesOrError: { nodes?: { name: string; location: { name: string } }[] } }>(
    dagsterUrl,
    "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }",
  );
  const repository = (repos.repositoriesOrError.nodes ?? []).find((r) => r.location.name === location)?.name;
  if (!repository) throw new Error(`Dagster at ${dagsterUrl} has no code location '${location}'`);
  return repository;
}

/** What a sensor would do if it ticked now: the runs it would request (their run config as YAML), or why it would skip. */
export async function sensorDryRun(dagsterUrl: string, location: string, sensor: string): Promise<{ skipReason?: string; runConfigs: string[] }> {
  type Tick = { sensorDryRun: { __typename: string; message?: string; evaluationResult?: { skipReason?: string; runRequests?: { runConfigYaml: string }[]; error?: { message: string } } } };
  const { sensorDryRun: tick } = await dagsterGraphql<Tick>(
    dagsterUrl,
    `mutation($s: SensorSelector!) { sensorDryRun(selectorData: $s, cursor: null) { __typename ... on DryRunInstigationTick { evaluationResult { skipReason runRequests { runConfigYaml } error { message } } } ... on PythonError { message } ... on SensorNotFoundError { message } } }`,
    { s: { repositoryName: await repositoryOf(dagsterUrl, location), repositoryLocationName: location, sensorName: sensor } },
  );
  const result = tick.evaluationResult;
  if (!result || result.error) throw new Error(`sensor ${sensor} did not evaluate: ${tick.__typename} ${tick.message ?? result?.error?.message ?? ""}`);
  return { skipReason: result.skipReason ?? undefined, runConfigs: (result.runRequests ?? []).map((r) => r.runConfigYaml) };
}
