import { Container, ContainerConfig, ContainerPorts } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Construct } from "constructs";
import { validateDnsLabel, ValidationError } from "../validation";
import { CheckedJobSpec, PlatformBase, PublishedPort } from "./base";
import { dependables, goDuration, literal, pascal } from "./internal";
import { secretValue } from "./secrets";
import { ContainerSpec, DEFAULT_RESOURCES, Endpoint, HealthCheck, JobHandle, PlatformLocation, Secret, secretFilePath, SecretSpec, ServiceHandle, ServiceSpec } from "./workload";

/** Props of {@link DockerPlatform}. */
export interface DockerPlatformProps {
  /**
   * Prefix of every container, volume and network name on the engine, so several stacks can share one engine.
   * @default "lakehouse"
   */
  readonly name?: string;
  /**
   * Publish the ports that {@link DockerPlatform.publish} is given (on 127.0.0.1 only, never on
   * all interfaces). `false` records them without publishing, e.g. for a CI engine shared by jobs.
   * @default true
   */
  readonly publishPorts?: boolean;
}

/**
 * Renders workloads to kreuzwerker/docker resources on one engine: one bridge network, a named
 * volume per persistent volume, a container per service replica with a health check that
 * Terraform waits for, and jobs as attached containers whose exit code must be 0. Endpoints given
 * to {@link DockerPlatform.publish} are published by the service's first replica, on 127.0.0.1 only.
 *
 * The stack configures the docker provider itself (host, registry auth); this construct only
 * creates resources.
 */
export class DockerPlatform extends PlatformBase {
  /** Always `docker`. */
  public readonly kind = "docker" as const;

  /** Where its workloads live; see {@link IPlatform.location}. */
  public get location(): PlatformLocation {
    return { kind: "docker", containerPrefix: this.prefix };
  }
  /** Prefix of engine-level names. */
  public readonly prefix: string;
  /** The bridge network every workload joins; services reach each other by name on it. */
  public readonly network: Network;
  private readonly publishPorts: boolean;
  private readonly images = new Map<string, Image>();
  /** Each service's replicas, in ordinal order, which publish its ports. */
  private readonly publishers = new Map<string, Container[]>();

  constructor(scope: Construct, id: string, props: DockerPlatformProps = {}) {
    super(scope, id);
    this.prefix = props.name ?? "lakehouse";
    validateDnsLabel("DockerPlatform", "name", this.prefix);
    this.publishPorts = props.publishPorts ?? true;
    this.network = new Network(this, "Network", {
      name: this.prefix,
      driver: "bridge",
      labels: [{ label: "lakehouse.stack", value: this.prefix }],
    });
  }

  /** `127.0.0.1:<hostPort>` once `endpoint` is published (and `publishPorts` is on), else undefined. */
  public publishedAddress(endpoint: Endpoint): string | undefined {
    const hostPort = this.publishedPort(endpoint);
    return hostPort === undefined || !this.publishPorts ? undefined : loopback(hostPort);
  }

  protected renderService(scope: Construct, id: string, spec: ServiceSpec): ServiceHandle {
    const replicas = spec.replicas ?? 1;
    // Each replica its own volumes; replica 0 keeps the names a single replica has.
    const volumesOf = (i: number) =>
      (spec.volumes ?? []).map((v) => ({
        volume: new Volume(scope, `${id}Volume${pascal(v.name)}${i === 0 ? "" : i}`, {
          name: `${this.prefix}-${spec.name}${i === 0 ? "" : `-${i}`}-${v.name}`,
          labels: [{ label: "lakehouse.stack", value: this.prefix }],
        }),
        path: v.path,
      }));
    const containers: Container[] = [];
    for (let i = 0; i < replicas; i++) {
      // Replica 0 keeps the plain id so adding replicas never renames (and recreates) the first one.
      const replicaId = i === 0 ? id : `${id}${i}`;
      const containerName = replicas === 1 ? spec.name : `${spec.name}-${i}`;
      const health = spec.healthCheck;
      containers.push(
        new Container(scope, replicaId, {
          ...this.containerConfig(spec),
          name: `${this.prefix}-${containerName}`,
          hostname: containerName,
          networksAdvanced: [{ name: this.network.name, aliases: [spec.name, containerName] }],
          restart: "unless-stopped",
          // Filled by publish(); an empty list rather than none, as this construct always wrote it.
          ports: this.publishPorts && i === 0 ? [] : undefined,
          volumes: volumesOf(i).map((v) => ({ volumeName: v.volume.name, containerPath: v.path })),
          healthcheck: health && {
            test: ["CMD", ...healthCommand(health)],
            interval: goDuration(health.intervalSeconds),
            timeout: goDuration(health.timeoutSeconds),
            retries: health.retries,
            startPeriod: goDuration(health.startPeriodSeconds),
          },
          // Terraform waits until the health check passes, so dependents start against a ready service.
          wait: health !== undefined,
          waitTimeout: health?.startBudgetSeconds,
          logOpts: { "max-size": "20m", "max-file": "3" },
        }),
      );
    }
    this.publishers.set(spec.name, containers);
    // Every replica answers to the service's alias; each also to its own (`<name>-<i>`), its host name.
    const hosts = replicas > 1 && (spec.volumes ?? []).length > 0 ? Array.from({ length: replicas }, (_, i) => `${spec.name}-${i}`) : undefined;
    return new ServiceHandle(spec, containers, { hosts });
  }

  /**
   * The service's first replica publishes every published port of the service, in the spec's
   * port order; replica i also publishes its `perReplica` ports, at their host port plus i.
   */
  protected renderPublished(published: PublishedPort): void {
    if (!this.publishPorts) return;
    const service = published.service;
    const order = (service.ports ?? []).map((p) => p.name);
    const entries = this.publishedPortList.filter((p) => p.service.name === service.name).sort((a, b) => order.indexOf(a.port.name) - order.indexOf(b.port.name));
    this.publishers.get(service.name)!.forEach((container, i) => {
      const ports: ContainerPorts[] = entries.filter((p) => i === 0 || p.port.perReplica).map((p) => ({ internal: p.port.port, external: p.hostPort + i, ip: "127.0.0.1" }));
      if (i === 0 || ports.length > 0) container.putPorts(ports);
    });
  }

  protected renderJob(scope: Construct, id: string, spec: CheckedJobSpec): JobHandle {
    const container = new Container(scope, id, {
      ...this.containerConfig(spec),
      name: `${this.prefix}-${spec.name}`,
      networksAdvanced: [{ name: this.network.name }],
      // attach: apply blocks until the container exits (the provider has no create timeout for
      // containers, so each job script bounds its own waits); it stays (exited) so re-applies see no change
      // and `docker logs` still shows what it did. Any change of its inputs replaces it, which re-runs it.
      attach: true,
      mustRun: false,
      restart: "no",
      lifecycle: {
        postcondition: [
          {
            condition: "${self.exit_code == 0}",
            errorMessage: `Job '${spec.name}' failed. Its output: docker logs ${this.prefix}-${spec.name}`,
          },
        ],
      },
    });
    return new JobHandle(spec, [container]);
  }

  protected renderSecret(scope: Construct, id: string, spec: SecretSpec): Secret {
    return { name: spec.name, value: secretValue(scope, id, spec) };
  }

  private containerConfig(spec: ContainerSpec & { name: string }): Omit<ContainerConfig, "name"> {
    if (spec.leaderElectionGroup !== undefined) {
      throw new ValidationError(
        "DockerPlatform",
        `leaderElectionGroup of '${spec.name}'`,
        "needs the platform's API to elect a leader, and Docker has none",
        spec.leaderElectionGroup,
        "Run one replica of it on Docker (e.g. StreamJob jobManagers: 1), or deploy the stack on Kubernetes.",
      );
    }
    // The base rejected a variable set in both env and secretEnv.
    const env = { ...(spec.env ?? {}), ...Object.fromEntries(Object.entries(spec.secretEnv ?? {}).map(([k, s]) => [k, s.value])) };
    const resources = spec.resources ?? DEFAULT_RESOURCES;
    return {
      image: this.image(spec.image).imageId,
      entrypoint: spec.command?.map(literal),
      command: spec.args?.map(literal),
      env: Object.keys(env)
        .sort()
        .map((k) => literal(`${k}=${env[k]}`)),
      upload: [
        ...(spec.files ?? []).map((f) => ({
          file: f.path,
          content: literal(f.content),
          executable: f.executable ?? false,
        })),
        // Uploaded as root: readable by all, so by the image's own user (no other runs in it).
        ...Object.keys(spec.secretFiles ?? {})
          .sort()
          .map((name) => ({ file: secretFilePath(name), content: spec.secretFiles![name].value, permissions: "0444" })),
      ],
      memory: resources.memoryMiB,
      // No swap: a JVM that swaps is slower than one that is restarted. Set explicitly, because
      // Docker otherwise reports twice the memory and every plan would show a change.
      memorySwap: resources.memoryMiB,
      dependsOn: dependables(spec),
      labels: [{ label: "lakehouse.stack", value: this.prefix }],
    };
  }

  /** One docker_image per reference; kept on destroy because images are built or pulled outside Terraform. */
  private image(ref: string): Image {
    let image = this.images.get(ref);
    if (!image) {
      // The id derives from the reference, so adding an image never re-addresses another one.
      image = new Image(this, `Image_${ref.replace(/[^a-zA-Z0-9]/g, "_")}`, { name: ref, keepLocally: true });
      this.images.set(ref, image);
    }
    return image;
  }
}

function loopback(hostPort: number): string {
  return `127.0.0.1:${hostPort}`;
}

/** A health check as the command line Docker runs inside the container. */
export function healthCommand(health: HealthCheck): string[] {
  const p = health.probe;
  switch (p.kind) {
    case "http":
      return ["curl", "-fsS", "-o", "/dev/null", `http://localhost:${p.port}${p.path}`];
    case "tcp":
      return ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${p.port}`];
    case "command":
      return p.command;
  }
}
