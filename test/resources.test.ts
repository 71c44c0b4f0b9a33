import { CommandRunner, cpuDuring, cpuSampler } from "../cli/resources";

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
    expect(cpu).toEqual({ top: [], sampledBy: "not sampled: kubectl top pod -n lakehouse failed (error: Metrics API not available)" });
  });
});
