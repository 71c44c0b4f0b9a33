import { CommandRunner, cpuDuring, cpuSampler, flinkBusySampler, shortVertexName } from "../cli/resources";

describe("bench's CPU sampling follows the contract's platform", () => {
  test("Docker: docker stats of the stack's containers only, named without the prefix", async () => {
    const calls: string[][] = [];
    const run: CommandRunner = async (command, args) => {
      calls.push([command, ...args]);
      return "lakehouse-dev-kafka 41.5%\nlakehouse-dev-trino 3.0%\nother-stack-kafka 99%\n";
    };
    const sampler = cpuSampler({ kind: "docker", containerPrefix: "lakehouse-dev" }, run);
    expect(sampler.source).toBe("docker stats");
    expect(await sampler.sample()).toEqual(
      new Map([
        ["kafka", 41.5],
        ["trino", 3],
      ]),
    );
    expect(calls).toEqual([["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}}"]]);
  });

  test("Kubernetes: kubectl top pod in the stack's namespace, millicores as percent of a core", async () => {
    const calls: string[][] = [];
    const run: CommandRunner = async (command, args) => {
      calls.push([command, ...args]);
      return "kafka-0   415m   900Mi\nflink-taskmanager-0   2   1200Mi\n";
    };
    const sampler = cpuSampler({ kind: "kubernetes", namespace: "lakehouse" }, run);
    expect(sampler.source).toBe("kubectl top pod -n lakehouse");
    expect(await sampler.sample()).toEqual(
      new Map([
        ["kafka-0", 41.5],
        ["flink-taskmanager-0", 200],
      ]),
    );
    expect(calls).toEqual([["kubectl", "top", "pod", "-n", "lakehouse", "--no-headers"]]);
  });

  test("busiest first, averaged over the samples taken while the work ran", async () => {
    let n = 0;
    const sampler = {
      source: "fake",
      sample: async () =>
        new Map([
          ["a", n++ % 2 === 0 ? 10 : 30],
          ["b", 50],
        ]),
    };
    const [result, cpu] = await cpuDuring(sampler, () => new Promise<string>((r) => setTimeout(() => r("done"), 50)), 5);
    expect(result).toBe("done");
    expect(cpu.sampledBy).toBe("fake");
    expect(cpu.top[0]).toBe("b 50%");
    expect(Object.keys(cpu.means)).toEqual(["b", "a"]);
    expect(cpu.means.b).toBe(50);
    // The mean of however many 10s and 30s were sampled in 50 ms.
    const [, mean] = /^a (\d+)%$/.exec(cpu.top[1]) ?? [];
    expect(Number(mean)).toBeGreaterThanOrEqual(10);
    expect(Number(mean)).toBeLessThanOrEqual(30);
  });

  test("a platform that cannot be sampled (no metrics server, no CLI) says so instead of a figure", async () => {
    const sampler = cpuSampler({ kind: "kubernetes", namespace: "lakehouse" }, async () => {
      throw new Error("error: Metrics API not available\nmore");
    });
    const [, cpu] = await cpuDuring(sampler, async () => "done");
    expect(cpu).toEqual({ top: [], means: {}, sampledBy: "not sampled: kubectl top pod -n lakehouse failed (error: Metrics API not available)" });
  });
});

describe("bench's Flink operator load", () => {
  const FLINK = "http://flink:8081";
  const answers: Record<string, unknown> = {
    [`${FLINK}/jobs/overview`]: {
      jobs: [
        { jid: "old", name: "lakehouse-cdc-1", state: "CANCELED" },
        { jid: "j1", name: "lakehouse-cdc-1", state: "RUNNING" },
      ],
    },
    [`${FLINK}/jobs/j1`]: {
      vertices: [
        { id: "v1", name: "Source: kafka_raw_accounts[1] -> Calc[2] -> IcebergStreamWriter" },
        { id: "v2", name: "IcebergFilesCommitter" },
      ],
    },
    [`${FLINK}/jobs/j1/vertices/v1/subtasks/metrics?get=busyTimeMsPerSecond`]: [{ id: "busyTimeMsPerSecond", min: 100, max: 930, avg: 515, sum: 1030 }],
    [`${FLINK}/jobs/j1/vertices/v2/subtasks/metrics?get=busyTimeMsPerSecond`]: [{ id: "busyTimeMsPerSecond", min: 0, max: 12, avg: 12, sum: 12 }],
  };

  test("the busiest subtask of each chain of the RUNNING job, in percent, under a short name", async () => {
    const fetched: string[] = [];
    const sampler = flinkBusySampler(FLINK, "lakehouse-cdc-1", async <T>(url: string) => {
      fetched.push(url);
      return answers[url] as T;
    });
    expect(await sampler.sample()).toEqual(
      new Map([
        ["Source: kafka_raw_accounts -> ... -> IcebergStreamWriter", 93],
        ["IcebergFilesCommitter", 1.2],
      ]),
    );
    // The job and its vertices are looked up once; later samples read only the metrics.
    await sampler.sample();
    expect(fetched.filter((u) => !u.includes("/metrics"))).toEqual([`${FLINK}/jobs/overview`, `${FLINK}/jobs/j1`]);
  });

  test("no RUNNING job of that name is an error that names it", async () => {
    const sampler = flinkBusySampler(FLINK, "lakehouse-cdc-2", async <T>(url: string) => answers[url] as T);
    await expect(sampler.sample()).rejects.toThrow("no RUNNING Flink job named lakehouse-cdc-2");
  });

  test("operator chains keep their first and last operator", () => {
    expect(shortVertexName("Source: kafka_cdc_users[3] -> DropUpdateBefore[4] -> ConstraintEnforcer[5] -> IcebergStreamWriter")).toBe("Source: kafka_cdc_users -> ... -> IcebergStreamWriter");
    expect(shortVertexName("IcebergFilesCommitter")).toBe("IcebergFilesCommitter");
  });
});
