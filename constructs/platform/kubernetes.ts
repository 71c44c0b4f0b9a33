import { createHash } from "crypto";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1, NetworkPolicyV1SpecEgress, networkPolicyV1SpecEgressToTerraform } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import {
  StatefulSetV1SpecTemplateSpec,
  StatefulSetV1SpecTemplateSpecContainer,
  StatefulSetV1SpecTemplateSpecContainerReadinessProbe,
  StatefulSetV1SpecTemplateSpecInitContainer,
} from "@cdktf/provider-kubernetes/lib/stateful-set-v1/index-structs";
import { Fn, IResolvable, Lazy, Token } from "cdktf";
import { Construct } from "constructs";
import { KubernetesServiceAccountTokenRule } from "../policy/kubernetes-pod-security";
import { PolicySuppressions } from "../policy/suppressions";
import { validateDnsLabel, validateInteger, ValidationError } from "../validation";
import { CheckedJobSpec, PlatformBase, TMP } from "./base";
import { dependables, literal } from "./internal";
import { secretValue } from "./secrets";
import { ContainerSpec, DEFAULT_RESOURCES, Endpoint, HealthCheck, JobHandle, PlatformLocation, Secret, SECRET_FILES_DIR, SecretSpec, ServiceHandle, ServiceSpec } from "./workload";

/** Props of {@link KubernetesPlatform}. */
export interface KubernetesPlatformProps {
  /**
   * Namespace that holds every object of the stack; created by this construct.
   * @default "lakehouse"
   */
  readonly namespace?: string;
  /**
   * StorageClass of the persistent volume claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Image pull policy of every container. `IfNotPresent` lets locally built images run on a
   * single-node cluster without a registry.
   * @default "IfNotPresent"
   */
  readonly imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /**
   * Scales every container's CPU request (rounded up to whole millicores, at least 1m), so that a
   * stack sized for a production cluster is schedulable on a small one: the whole stack requests
   * about 4.4 cores, which a 2-core node cannot place ("Insufficient cpu"). CPU is never limited
   * and memory requests (= limits) are unchanged; only the scheduler's accounting shrinks.
   * A number greater than 0 and at most 1.
   * @default 1
   */
  readonly cpuRequestFraction?: number;
  /**
   * Whether the namespace denies every connection but the flows workloads declare: a default-deny
   * NetworkPolicy (DNS is allowed), and per workload one that lets it reach what it `connectsTo`
   * and one that admits those clients (and its own replicas) to its ports. Policies are enforced
   * only where the cluster runs an enforcer (a CNI plugin or a controller such as
   * kube-network-policies; `npm run k8s:up` starts one). Off, nothing restricts traffic.
   * @default true
   */
  readonly networkPolicies?: boolean;
  /**
   * Ports the Kubernetes API server answers on, as pods reach it: the `kubernetes` Service's port
   * and the port its endpoints listen on (a kubeadm cluster's 6443). Workloads with a
   * `leaderElectionGroup` may connect to them (any address: where the API server lives differs
   * from cluster to cluster).
   * @default [443, 6443]
   */
  readonly apiServerPorts?: number[];
}

const SECRET_KEY = "value";
/** Failed readiness checks in a row before a pod leaves its Service's endpoints. */
const READINESS_FAILURE_THRESHOLD = 3;
/**
 * Liveness is lenient, so slow JVM starts and long GC pauses are not killed in a loop: checks at
 * twice the health check's interval, and this many times its retries before a restart.
 */
const LIVENESS_RETRY_FACTOR = 4;
const LIVENESS_INTERVAL_FACTOR = 2;
const NAME_LABEL = "app.kubernetes.io/name";
/** Suffix of the headless Service that lists a replicated service's pods (see ServiceHandle.replicasEndpoint). */
const REPLICAS_SUFFIX = "-replicas";
/** Pod restarts of a failing Job before it counts as failed (within its deadline). */
const JOB_BACKOFF_LIMIT = 4;

/**
 * Renders workloads to hashicorp/kubernetes resources in one namespace: a StatefulSet with
 * volume claim templates for each stateful service, a Deployment for stateless ones, a ClusterIP
 * Service per service with ports, a ConfigMap per workload for its files, a Secret per
 * credential, and Jobs that Terraform waits to complete. Every container gets readiness and
 * liveness probes from its health check, memory requests and limits, a CPU request, and the
 * restricted Pod Security Standard: non-root as the workload's user, no privilege escalation,
 * every capability dropped, seccomp `RuntimeDefault`; besides, a read-only root filesystem with
 * empty directories at `/tmp` and the workload's `writablePaths`, and no service-account token.
 * Network policies deny every connection but the flows workloads declare (`connectsTo`). A
 * service with more than one replica gets a PodDisruptionBudget (one replica down at a time) and
 * a preference to spread its replicas over nodes. The workloads of a `leaderElectionGroup` share a
 * service account that may use the namespace's ConfigMaps and nothing else, with its token mounted.
 */
export class KubernetesPlatform extends PlatformBase {
  /** Always `kubernetes`. */
  public readonly kind = "kubernetes" as const;

  /** Where its workloads live; see {@link IPlatform.location}. */
  public get location(): PlatformLocation {
    return { kind: "kubernetes", namespace: this.namespace };
  }
  /** The namespace that holds every object of the stack. */
  public readonly namespace: string;
  private readonly namespaceResource: NamespaceV1;
  private readonly storageClassName?: string;
  private readonly imagePullPolicy: string;
  private readonly cpuRequestFraction: number;
  private readonly networkPolicies: boolean;
  private readonly apiServerPorts: number[];
  /** The role binding of each leader-election group's service account, created with the group's first workload. */
  private readonly leaderElectionAccess = new Map<string, RoleBindingV1>();
  /** Every declared connection, for the network policies (read at synthesis). */
  private readonly flows: { client: string; endpoint: Endpoint }[] = [];

  constructor(scope: Construct, id: string, props: KubernetesPlatformProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? "lakehouse";
    validateDnsLabel("KubernetesPlatform", "namespace", this.namespace);
    this.storageClassName = props.storageClassName;
    this.imagePullPolicy = props.imagePullPolicy ?? "IfNotPresent";
    this.cpuRequestFraction = props.cpuRequestFraction ?? 1;
    validateCpuRequestFraction(this.cpuRequestFraction);
    this.namespaceResource = new NamespaceV1(this, "Namespace", {
      metadata: { name: this.namespace, labels: { "app.kubernetes.io/part-of": "lakehouse" } },
    });
    this.apiServerPorts = props.apiServerPorts ?? [443, 6443];
    for (const port of this.apiServerPorts) validateInteger("KubernetesPlatform", "apiServerPorts", port, 1, 65535);
    this.networkPolicies = props.networkPolicies ?? true;
    if (this.networkPolicies) {
      // Every pod of the namespace: nothing in, nothing out but DNS, unless a policy below allows it.
      new NetworkPolicyV1(this, "DefaultDeny", {
        dependsOn: [this.namespaceResource],
        metadata: { name: "default-deny", namespace: this.namespace },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          egress: [{ ports: ["UDP", "TCP"].map((protocol) => ({ port: "53", protocol })) }],
        },
      });
      this.node.addValidation({ validate: () => this.checkFlows() });
    }
  }

  /**
   * Always undefined: nothing listens on this machine until someone runs
   * `kubectl port-forward svc/<service> <publishedPort>:<port>`; {@link publishedPort} has the port.
   */
  public publishedAddress(_endpoint: Endpoint): string | undefined {
    return undefined;
  }

  protected renderService(scope: Construct, id: string, spec: ServiceSpec): ServiceHandle {
    const labels = { "app.kubernetes.io/name": spec.name, "app.kubernetes.io/part-of": "lakehouse" };
    const metadata = { name: spec.name, namespace: this.namespace, labels };
    this.networkPoliciesOf(scope, id, spec);
    const configMap = this.configMap(scope, id, spec);
    const ports = spec.ports ?? [];

    const servicePorts = ports.map((p) => ({ name: p.name, port: p.port, targetPort: String(p.port) }));
    // The Service exists before the pods so that StatefulSet DNS and dependents resolve it.
    // It depends on the namespace like everything else: created alongside it, the API server
    // answers 'namespaces "lakehouse" not found' (seen on a real cluster).
    const service =
      ports.length === 0
        ? undefined
        : new ServiceV1(scope, `${id}Service`, {
            dependsOn: [this.namespaceResource],
            metadata,
            spec: {
              selector: { "app.kubernetes.io/name": spec.name },
              port: servicePorts,
            },
          });

    const replicaCount = spec.replicas ?? 1;
    const podSpec = { ...this.podSpec(spec, configMap, "Always"), affinity: replicaCount > 1 ? spreadAcrossNodes(spec.name) : undefined };
    const hash = filesHash(spec);
    const template = { metadata: { labels, annotations: hash === undefined ? undefined : { "lakehouse/files-sha256": hash } }, spec: podSpec };

    const replicas = String(replicaCount);
    const volumes = spec.volumes ?? [];
    // The Service's one virtual address reaches some replica; a headless one lists each, and
    // governs a replicated StatefulSet so that each pod has a stable name (`<pod>.<name>-replicas`).
    // Pods are listed before they are ready: peers that must find each other to become ready (a
    // controller quorum) would wait for each other otherwise.
    const replicasHost = replicaCount > 1 && ports.length > 0 ? `${spec.name}${REPLICAS_SUFFIX}` : undefined;
    const replicasService =
      replicasHost &&
      new ServiceV1(scope, `${id}ReplicasService`, {
        dependsOn: [this.namespaceResource],
        metadata: { ...metadata, name: replicasHost },
        spec: {
          clusterIp: "None",
          publishNotReadyAddresses: true,
          selector: { [NAME_LABEL]: spec.name },
          port: servicePorts,
        },
      });
    const stateful = volumes.length > 0;
    const access = this.leaderElectionAccessOf(spec);
    const common = {
      dependsOn: [this.namespaceResource, ...(service ? [service] : []), ...(replicasService ? [replicasService] : []), ...(access ? [access] : []), ...(dependables(spec) ?? [])],
    };
    const workload = stateful
      ? new StatefulSetV1(scope, id, {
          ...common,
          metadata,
          waitForRollout: true,
          spec: {
            serviceName: replicasHost ?? spec.name,
            // Replicas start together: one that waits for its peers (a quorum) must not block their start.
            podManagementPolicy: replicasHost ? "Parallel" : undefined,
            replicas,
            selector: { matchLabels: { "app.kubernetes.io/name": spec.name } },
            template,
            volumeClaimTemplate: volumes.map((v) => ({
              metadata: { name: v.name },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: this.storageClassName,
                resources: { requests: { storage: `${v.sizeGiB ?? 1}Gi` } },
              },
            })),
          },
        })
      : new DeploymentV1(scope, id, {
          ...common,
          metadata,
          waitForRollout: true,
          spec: {
            replicas,
            selector: { matchLabels: { "app.kubernetes.io/name": spec.name } },
            template,
          },
        });
    if (access) PolicySuppressions.add(workload, KubernetesServiceAccountTokenRule.ID, tokenReason(spec));
    if (replicaCount > 1) {
      // A drain or a node upgrade takes one replica at a time; the others keep serving.
      new PodDisruptionBudgetV1(scope, `${id}DisruptionBudget`, {
        dependsOn: [this.namespaceResource],
        metadata,
        spec: { maxUnavailable: "1", selector: { matchLabels: { [NAME_LABEL]: spec.name } } },
      });
    }
    const hosts = stateful && replicasHost ? Array.from({ length: replicaCount }, (_, i) => `${spec.name}-${i}.${replicasHost}`) : undefined;
    return new ServiceHandle(spec, [workload], { all: replicasHost, hosts });
  }

  protected renderJob(scope: Construct, id: string, spec: CheckedJobSpec): JobHandle {
    // The deadline is the whole timeout; the script's budget (timeoutEnv) ends a margin earlier.
    const timeout = spec.timeoutSeconds;
    const labels = { "app.kubernetes.io/name": spec.name, "app.kubernetes.io/part-of": "lakehouse" };
    this.networkPoliciesOf(scope, id, spec);
    const configMap = this.configMap(scope, id, spec);
    // A Job's pod template is immutable, but the provider updates its annotations in place: the
    // hash goes in the environment, a change of which replaces the Job (and so runs it again).
    const hash = filesHash(spec);
    const podSpec = this.podSpec(hash !== undefined ? { ...spec, env: { ...spec.env, LAKEHOUSE_FILES_SHA256: hash } } : spec, configMap, "Never");
    const access = this.leaderElectionAccessOf(spec);
    const job = new JobV1(scope, id, {
      dependsOn: [this.namespaceResource, ...(access ? [access] : []), ...(dependables(spec) ?? [])],
      metadata: { name: spec.name, namespace: this.namespace, labels },
      // No ttlSecondsAfterFinished: a job the cluster deletes would be re-created by the next apply.
      spec: {
        backoffLimit: JOB_BACKOFF_LIMIT,
        activeDeadlineSeconds: timeout,
        template: { metadata: { labels }, spec: podSpec },
      },
      waitForCompletion: true,
      timeouts: { create: `${timeout}s`, update: `${timeout}s` },
    });
    if (access) PolicySuppressions.add(job, KubernetesServiceAccountTokenRule.ID, tokenReason(spec));
    return new JobHandle(spec, [job]);
  }

  protected renderSecret(scope: Construct, id: string, spec: SecretSpec): Secret {
    const value = secretValue(scope, id, spec);
    new SecretV1(scope, `${id}Secret`, {
      dependsOn: [this.namespaceResource],
      metadata: { name: spec.name, namespace: this.namespace },
      data: { [SECRET_KEY]: value },
    });
    return { name: spec.name, value };
  }

  /**
   * The workload's policies: ingress to each of its ports from the workloads that connect to it
   * and from its own replicas; egress to each endpoint it connects to (the pods of a service of
   * the stack, or any address outside it) and to its own replicas. Both read every workload's
   * `connectsTo` at synthesis, so a flow to a service rendered later (the JobManager's RPCs to the
   * TaskManagers) is allowed too.
   */
  private networkPoliciesOf(scope: Construct, id: string, spec: ContainerSpec & ServiceLike): void {
    if (!this.networkPolicies) return;
    const ports = spec.ports ?? [];
    const connectsTo = spec.connectsTo ?? [];
    for (const e of connectsTo) this.flows.push({ client: spec.name, endpoint: this.canonical(e) });
    const own = { [NAME_LABEL]: spec.name };
    if (ports.length > 0) {
      new NetworkPolicyV1(scope, `${id}Ingress`, {
        dependsOn: [this.namespaceResource],
        metadata: { name: `${spec.name}-ingress`, namespace: this.namespace },
        spec: {
          podSelector: { matchLabels: own },
          policyTypes: ["Ingress"],
          ingress: ports.map((p) => ({
            from: [{ podSelector: { matchExpressions: [{ key: NAME_LABEL, operator: "In", values: Lazy.listValue({ produce: () => this.clientsOf(spec.name, p.port) }) }] } }],
            ports: [tcp(p.port)],
          })),
        },
      });
    }
    // The API server is outside the stack: no service of it, so any address on its ports.
    const apiServer = spec.leaderElectionGroup === undefined ? [] : this.apiServerPorts.map((port) => new Endpoint("kubernetes.default.svc", port));
    if (connectsTo.length === 0 && ports.length === 0 && apiServer.length === 0) return;
    const egress = (): NetworkPolicyV1SpecEgress[] => {
      const byHost = new Map<string, Set<number>>();
      for (const e of [...connectsTo.map((c) => this.canonical(c)), ...ports.map((p) => new Endpoint(spec.name, p.port)), ...apiServer])
        byHost.set(e.host, (byHost.get(e.host) ?? new Set()).add(e.port));
      return [...byHost].map(([host, hostPorts]) => ({
        // A host that is no service of this platform is outside the stack: any address, on its ports.
        to: [this.serviceNamed(host) ? { podSelector: { matchLabels: { [NAME_LABEL]: host } } } : { ipBlock: { cidr: "0.0.0.0/0" } }],
        ports: [...hostPorts].sort((a, b) => a - b).map(tcp),
      }));
    };
    new NetworkPolicyV1(scope, `${id}Egress`, {
      dependsOn: [this.namespaceResource],
      metadata: { name: `${spec.name}-egress`, namespace: this.namespace },
      spec: {
        podSelector: { matchLabels: own },
        policyTypes: ["Egress"],
        egress: Lazy.anyValue({ produce: () => egress().map((e) => networkPolicyV1SpecEgressToTerraform(e)) }) as IResolvable,
      },
    });
  }

  /** An endpoint on a service's replicas host, as one on the service itself: the same pods, for the policies. */
  private canonical(endpoint: Endpoint): Endpoint {
    if (!endpoint.host.endsWith(REPLICAS_SUFFIX)) return endpoint;
    const service = this.serviceNamed(endpoint.host.slice(0, -REPLICAS_SUFFIX.length));
    return service && (service.replicas ?? 1) > 1 ? new Endpoint(service.name, endpoint.port, endpoint.dependables) : endpoint;
  }

  /** The workloads that may connect to `port` of `service`: its own replicas and every workload whose `connectsTo` names it. */
  private clientsOf(service: string, port: number): string[] {
    const clients = this.flows.filter((f) => f.endpoint.host === service && f.endpoint.port === port).map((f) => f.client);
    return [...new Set([service, ...clients])].sort();
  }

  /** A flow to a service of the stack on a port it does not have would be denied: an error at synthesis. */
  private checkFlows(): string[] {
    return this.flows.flatMap(({ client, endpoint }) => {
      const server = this.serviceNamed(endpoint.host);
      if (!server || (server.ports ?? []).some((p) => p.port === endpoint.port)) return [];
      const known = (server.ports ?? []).map((p) => `${p.name} ${p.port}`).join(", ") || "none";
      return [
        new ValidationError(
          "KubernetesPlatform",
          `connectsTo of '${client}'`,
          `names port ${endpoint.port} of service '${endpoint.host}', which does not listen there (ports: ${known})`,
          endpoint.address,
          `Connect to one of its ports (handle.endpoint("<name>")), or declare the port on '${endpoint.host}'.`,
        ).message,
      ];
    });
  }

  /**
   * The service account of the workload's leader-election group (created with the group's first
   * workload), bound to a Role that may use the namespace's ConfigMaps and nothing else: the
   * binding, which a pod must wait for (it names the account and the role).
   */
  private leaderElectionAccessOf(spec: ContainerSpec): RoleBindingV1 | undefined {
    const group = spec.leaderElectionGroup;
    if (group === undefined) return undefined;
    const existing = this.leaderElectionAccess.get(group);
    if (existing) return existing;
    const scope = new Construct(this, `LeaderElection${group.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase())}`);
    const metadata = { name: `${group}-leader-election`, namespace: this.namespace, labels: { "app.kubernetes.io/part-of": "lakehouse" } };
    const account = new ServiceAccountV1(scope, "ServiceAccount", { dependsOn: [this.namespaceResource], metadata, automountServiceAccountToken: false });
    const role = new RoleV1(scope, "Role", {
      dependsOn: [this.namespaceResource],
      metadata,
      rule: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] }],
    });
    const binding = new RoleBindingV1(scope, "RoleBinding", {
      dependsOn: [this.namespaceResource],
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subject: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: this.namespace }],
    });
    this.leaderElectionAccess.set(group, binding);
    return binding;
  }

  private configMap(scope: Construct, id: string, spec: ContainerSpec & { name: string }): ConfigMapV1 | undefined {
    const files = spec.files ?? [];
    if (files.length === 0) return undefined;
    return new ConfigMapV1(scope, `${id}Config`, {
      dependsOn: [this.namespaceResource],
      metadata: { name: `${spec.name}-files`, namespace: this.namespace },
      data: Object.fromEntries(files.map((f) => [fileKey(f.path), literal(f.content)])),
    });
  }

  private podSpec(spec: ContainerSpec & ServiceLike, configMap: ConfigMapV1 | undefined, restartPolicy: string): StatefulSetV1SpecTemplateSpec {
    const resources = spec.resources ?? DEFAULT_RESOURCES;
    const health = spec.healthCheck;
    const files = spec.files ?? [];
    const secretFiles = Object.keys(spec.secretFiles ?? {}).sort();
    if (spec.runAsUser === undefined) {
      throw new ValidationError(
        "KubernetesPlatform",
        `runAsUser of '${spec.name}'`,
        "is required: every pod runs as non-root, and the kubelet cannot check that a named image user is not root",
        undefined,
        "Set runAsUser to the numeric UID of the image's user (e.g. 1000).",
      );
    }
    const user = String(spec.runAsUser);
    const writable = [TMP, ...(spec.writablePaths ?? [])].map((path, i) => ({ name: `writable-${i}`, path }));
    const seeded = writable.filter((w) => w.path !== TMP);
    const container: StatefulSetV1SpecTemplateSpecContainer = {
      name: spec.name,
      image: spec.image,
      imagePullPolicy: this.imagePullPolicy,
      command: spec.command?.map(literal),
      args: spec.args?.map(literal),
      env: [
        ...Object.keys(spec.env ?? {})
          .sort()
          .map((name) => ({ name, value: literal(spec.env![name]) })),
        ...Object.keys(spec.secretEnv ?? {})
          .sort()
          .map((name) => ({
            name,
            valueFrom: { secretKeyRef: { name: spec.secretEnv![name].name, key: SECRET_KEY } },
          })),
      ],
      port: (spec.ports ?? []).map((p) => ({ name: p.name, containerPort: p.port })),
      volumeMount: [
        ...(spec.volumes ?? []).map((v) => ({ name: v.name, mountPath: v.path })),
        ...writable.map((w) => ({ name: w.name, mountPath: w.path })),
        ...files.map((f) => ({ name: "files", mountPath: f.path, subPath: fileKey(f.path), readOnly: true })),
        // A directory, not subPaths: a rotated Secret reaches the files without a restart.
        ...(secretFiles.length > 0 ? [{ name: "secret-files", mountPath: SECRET_FILES_DIR, readOnly: true }] : []),
      ],
      resources: {
        requests: { cpu: `${Math.max(1, Math.ceil(resources.cpuMillis * this.cpuRequestFraction))}m`, memory: `${resources.memoryMiB}Mi` },
        limits: { memory: `${resources.memoryMiB}Mi` },
      },
      readinessProbe: health && probe(health, health.intervalSeconds, READINESS_FAILURE_THRESHOLD),
      livenessProbe: health && {
        ...probe(health, health.intervalSeconds * LIVENESS_INTERVAL_FACTOR, health.retries * LIVENESS_RETRY_FACTOR),
        initialDelaySeconds: health.startPeriodSeconds,
      },
      // The same start budget Docker waits for: the grace period plus every retry.
      startupProbe: health && probe(health, health.intervalSeconds, Math.ceil(health.startBudgetSeconds / health.intervalSeconds)),
      lifecycle: spec.gracefulStop && { preStop: [{ exec: { command: spec.gracefulStop.command.map(literal) } }] },
      // The restricted Pod Security Standard, and a read-only root filesystem besides.
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: user,
        runAsGroup: user,
        seccompProfile: { type: "RuntimeDefault" },
      },
    };
    // A writable path starts with what the image has there (Flink's conf/, Kafka's config/): an
    // init container copies it into the empty directory before the process starts.
    const seed: StatefulSetV1SpecTemplateSpecInitContainer | undefined =
      seeded.length === 0
        ? undefined
        : {
            name: "writable-paths",
            image: spec.image,
            imagePullPolicy: this.imagePullPolicy,
            command: ["sh", "-c", seeded.map((w) => `if [ -d '${w.path}' ]; then cp -R '${w.path}/.' '/writable/${w.name}/'; fi`).join("\n")],
            volumeMount: seeded.map((w) => ({ name: w.name, mountPath: `/writable/${w.name}` })),
            resources: { requests: { cpu: "1m", memory: "32Mi" }, limits: { memory: "32Mi" } },
            securityContext: container.securityContext,
          };
    const group = spec.leaderElectionGroup;
    return {
      restartPolicy,
      terminationGracePeriodSeconds: spec.gracefulStop?.timeoutSeconds,
      enableServiceLinks: false,
      // Only a workload that elects its leader through the API gets a token, of an account for that alone.
      serviceAccountName: group && `${group}-leader-election`,
      automountServiceAccountToken: group !== undefined,
      securityContext: { runAsNonRoot: true, runAsUser: user, runAsGroup: user, fsGroup: user, seccompProfile: { type: "RuntimeDefault" } },
      initContainer: seed && [seed],
      container: [container],
      volume: [
        ...writable.map((w) => ({ name: w.name, emptyDir: {} })),
        ...(configMap
          ? [
              {
                name: "files",
                configMap: {
                  name: configMap.metadata.name,
                  items: files.map((f) => ({ key: fileKey(f.path), path: fileKey(f.path), mode: f.executable ? "0755" : "0644" })),
                },
              },
            ]
          : []),
        ...(secretFiles.length > 0
          ? [
              {
                name: "secret-files",
                // Readable by the pod's user and group (fsGroup) only.
                projected: [
                  {
                    defaultMode: "0440",
                    sources: secretFiles.map((name) => ({ secret: [{ name: spec.secretFiles![name].name, items: [{ key: SECRET_KEY, path: name }] }] })),
                  },
                ],
              },
            ]
          : []),
      ],
    };
  }
}

function validateCpuRequestFraction(value: number): void {
  if (Token.isUnresolved(value)) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new ValidationError(
      "KubernetesPlatform",
      "cpuRequestFraction",
      "must be a number greater than 0 and at most 1",
      value,
      "Set cpuRequestFraction to e.g. 0.25 for a 2-core node, or leave it unset (1) for full requests.",
    );
  }
}

type ServiceLike = Partial<Pick<ServiceSpec, "ports" | "volumes" | "healthCheck" | "gracefulStop">> & { readonly name: string };

/**
 * Replicas prefer different nodes, so one node lost takes one replica; a preference, not a rule,
 * so a single-node cluster still places them all.
 */
function spreadAcrossNodes(name: string): StatefulSetV1SpecTemplateSpec["affinity"] {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: [{ matchLabels: { [NAME_LABEL]: name } }] } }],
    },
  };
}

const tcp = (port: number) => ({ port: String(port), protocol: "TCP" });

function tokenReason(spec: ContainerSpec & { name: string }): string {
  return `'${spec.name}' takes part in leader election '${spec.leaderElectionGroup}' through the Kubernetes API: its service account may use the namespace's ConfigMaps and nothing else`;
}

function probe(health: HealthCheck, periodSeconds: number, failureThreshold: number): StatefulSetV1SpecTemplateSpecContainerReadinessProbe {
  const p = health.probe;
  const common = { periodSeconds, timeoutSeconds: health.timeoutSeconds, failureThreshold };
  switch (p.kind) {
    case "http":
      return { ...common, httpGet: { path: p.path, port: String(p.port) } };
    case "tcp":
      return { ...common, tcpSocket: [{ port: String(p.port) }] };
    case "command":
      return { ...common, exec: { command: p.command } };
  }
}

/** ConfigMap key for a mounted file path: `/etc/trino/catalog/iceberg.properties` -> `etc_trino_catalog_iceberg.properties`. */
export function fileKey(path: string): string {
  return path.replace(/^\/+/, "").replace(/[^a-zA-Z0-9._-]/g, "_");
}

/**
 * Pods read their files at start, and a Job's pod runs once: a change of content must roll the
 * pods or replace the Job, as Docker replaces a container whose uploads change. A ConfigMap
 * update alone would do neither.
 */
function filesHash(spec: ContainerSpec): string | undefined {
  const files = spec.files ?? [];
  if (files.length === 0) return undefined;
  // A content Terraform computes (a file it reads at plan, e.g. a CA certificate) is hashed by
  // Terraform too, so that a change of it rolls the pods; the rest is hashed here.
  const computed = files.filter((f) => Token.isUnresolved(f.content));
  const literal = createHash("sha256")
    .update(JSON.stringify(files.map((f) => (computed.includes(f) ? { ...f, content: "" } : f))))
    .digest("hex");
  return computed.length === 0 ? literal : Fn.sha256(Fn.join("", [literal, ...computed.map((f) => f.content)]));
}
