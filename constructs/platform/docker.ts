import { Container, ContainerConfig } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Construct } from "constructs";
import { validateDnsLabel, validateInteger, ValidationError } from "../validation";
import { dependables, goDuration, literal, pascal } from "./internal";
import { secretValue } from "./secrets";
import {
  ContainerSpec,
  DEFAULT_RESOURCES,
  Endpoint,
  IPlatform,
  JobHandle,
  JobSpec,
  Secret,
  SecretSpec,
  ServiceHandle,
  ServiceSpec,
} from "./workload";

/** Props of {@link DockerPlatform}. */
export interface DockerPlatformProps {
  /**
   * Prefix of every container, volume and network name on the engine, so several stacks can share one engine.
   * @default "lakehouse"
   */
  readonly name?: string;
  /**
   * Publish the ports that services ask to publish (on 127.0.0.1 only, never on all interfaces).
   * @default true
   */
  readonly publishPorts?: boolean;
}

/**
 * Renders workloads to kreuzwerker/docker resources on one engine: one bridge network, a named
 * volume per persistent volume, a container per service replica with a health check that
 * Terraform waits for, and jobs as attached containers whose exit code must be 0.
 *
 * The stack configures the docker provider itself (host, registry auth); this construct only
 * creates resources.
 */
export class DockerPlatform extends Construct implements IPlatform {
  /** Always `docker`. */
  public readonly kind = "docker" as const;
  /** Prefix of engine-level names. */
  public readonly prefix: string;
  /** The bridge network every workload joins; services reach each other by name on it. */
  public readonly network: Network;
  private readonly publishPorts: boolean;
  private readonly images = new Map<string, Image>();
  private readonly hostPorts = new Map<number, string>();
  private readonly published: Record<string, string> = {};
  /** `host:internalPort` -> `127.0.0.1:<hostPort>`, for {@link publishedAddress}. */
  private readonly publishedByAddress = new Map<string, string>();
  private readonly names = new Set<string>();

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

  public service(scope: Construct, id: string, spec: ServiceSpec): ServiceHandle {
    this.claimName(spec.name);
    validateInteger("DockerPlatform", `replicas of service '${spec.name}'`, spec.replicas, 1);
    for (const port of spec.ports ?? []) {
      if (port.hostPort === undefined || !this.publishPorts) continue;
      validateInteger("DockerPlatform", `hostPort of port '${port.name}' of service '${spec.name}'`, port.hostPort, 1, 65535);
      const owner = this.hostPorts.get(port.hostPort);
      if (owner) {
        throw new ValidationError("DockerPlatform", `hostPort of port '${port.name}' of service '${spec.name}'`, `is already published by service '${owner}'`, port.hostPort, "Give each service its own host port, or leave hostPort unset.");
      }
      this.hostPorts.set(port.hostPort, spec.name);
      this.published[`${spec.name}/${port.name}`] = `127.0.0.1:${port.hostPort}`;
      this.publishedByAddress.set(`${spec.name}:${port.port}`, `127.0.0.1:${port.hostPort}`);
    }

    const volumes = (spec.volumes ?? []).map((v) => ({
      volume: new Volume(scope, `${id}Volume${pascal(v.name)}`, {
        name: `${this.prefix}-${spec.name}-${v.name}`,
        labels: [{ label: "lakehouse.stack", value: this.prefix }],
      }),
      path: v.path,
    }));

    const replicas = spec.replicas ?? 1;
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
          ports: this.publishPorts && i === 0
            ? (spec.ports ?? []).filter((p) => p.hostPort !== undefined).map((p) => ({ internal: p.port, external: p.hostPort, ip: "127.0.0.1" }))
            : undefined,
          volumes: volumes.map((v) => ({ volumeName: v.volume.name, containerPath: v.path })),
          healthcheck: health && {
            test: ["CMD", ...health.toCommand()],
            interval: goDuration(health.intervalSeconds),
            timeout: goDuration(health.timeoutSeconds),
            retries: health.retries,
            startPeriod: goDuration(health.startPeriodSeconds),
          },
          // Terraform waits until the health check passes, so dependents start against a ready service.
          wait: health !== undefined,
          waitTimeout: health ? health.startPeriodSeconds + health.intervalSeconds * health.retries : undefined,
          logOpts: { "max-size": "20m", "max-file": "3" },
        }),
      );
    }
    return new ServiceHandle(spec, containers);
  }

  /** Ports published on the host, as `service/port` -> `127.0.0.1:<hostPort>` (for tools on the host). */
  public get publishedPorts(): Record<string, string> {
    return { ...this.published };
  }

  public publishedAddress(endpoint: Endpoint): string | undefined {
    return this.publishedByAddress.get(endpoint.address);
  }

  public job(scope: Construct, id: string, spec: JobSpec): JobHandle {
    this.claimName(spec.name);
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

  public secret(scope: Construct, id: string, spec: SecretSpec): Secret {
    validateDnsLabel("DockerPlatform", "secret name", spec.name);
    return { name: spec.name, value: secretValue(scope, id, spec) };
  }

  private containerConfig(spec: ContainerSpec): Omit<ContainerConfig, "name"> {
    const env = { ...(spec.env ?? {}) };
    for (const [key, secret] of Object.entries(spec.secretEnv ?? {})) {
      if (key in env) throw new Error(`Environment variable ${key} is set both as plain env and as secretEnv`);
      env[key] = secret.value;
    }
    const resources = spec.resources ?? DEFAULT_RESOURCES;
    return {
      image: this.image(spec.image).imageId,
      entrypoint: spec.command?.map(literal),
      command: spec.args?.map(literal),
      env: Object.keys(env).sort().map((k) => literal(`${k}=${env[k]}`)),
      upload: (spec.files ?? []).map((f) => ({
        file: f.path,
        content: literal(f.content),
        executable: f.executable ?? false,
      })),
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

  private claimName(name: string): void {
    validateDnsLabel("DockerPlatform", "workload name", name);
    if (this.names.has(name)) {
      throw new ValidationError("DockerPlatform", "workload name", "is used twice", name, "Give every service and job on one platform its own name.");
    }
    this.names.add(name);
  }
}
