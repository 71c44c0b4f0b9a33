import { Aspects, Testing } from "cdktf";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Endpoint, HealthCheck } from "../../constructs";
import { stackOn, Synth, synthOn } from "../helpers";

describe("KubernetesPlatform", () => {
  const synth = () =>
    synthOn("kubernetes", (scope, platform) => {
      const password = platform.secret(scope, "Pw", { name: "db-password" });
      const db = platform.service(scope, "Db", {
        name: "db",
        image: "example/db:1.0",
        args: ["serve"],
        env: { B: "2", A: "1" },
        secretEnv: { DB_PASSWORD: password },
        secretFiles: { "db-password": password },
        ports: [{ name: "sql", port: 5432 }],
        volumes: [{ name: "data", path: "/var/lib/db", sizeGiB: 5 }],
        files: [
          { path: "/etc/db/db.conf", content: "key=${ENV:SECRET}\n" },
          { path: "/opt/run.sh", content: "#!/bin/sh\n", executable: true },
        ],
        healthCheck: HealthCheck.tcp(5432, { intervalSeconds: 2, retries: 10 }),
        resources: { cpuMillis: 100, memoryMiB: 300 },
        runAsUser: 999,
      });
      platform.service(scope, "Web", {
        name: "web",
        image: "example/web:1.0",
        ports: [{ name: "http", port: 80 }],
        healthCheck: HealthCheck.http(80, "/ready"),
        runAsUser: 1000,
        writablePaths: ["/var/cache/web"],
      });
      platform.job(scope, "Init", { name: "db-init", image: "example/tool:1.0", command: ["init"], timeoutSeconds: 120, runAsUser: 1000, dependsOn: [db.endpoint("sql")] });
    });

  test("everything lives in the platform's namespace", () => {
    const s = synth();
    expect(s.k8s("kubernetes_namespace_v1", "lakehouse")).toBeDefined();
    for (const type of ["kubernetes_stateful_set_v1", "kubernetes_deployment_v1", "kubernetes_service_v1", "kubernetes_job_v1", "kubernetes_secret_v1", "kubernetes_config_map_v1"]) {
      for (const r of Object.values(s.resources(type))) expect((r as any).metadata.namespace).toBe("lakehouse");
    }
  });

  test("a service with volumes is a StatefulSet with claim templates, waited for", () => {
    const sts = synth().k8s("kubernetes_stateful_set_v1", "db");
    expect(sts.wait_for_rollout).toBe(true);
    expect(sts.spec.service_name).toBe("db");
    expect(sts.spec.volume_claim_template).toEqual([{ metadata: { name: "data" }, spec: { access_modes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } } }]);
    const container = sts.spec.template.spec.container[0];
    expect(container.volume_mount).toEqual(expect.arrayContaining([{ name: "data", mount_path: "/var/lib/db" }]));
  });

  test("every namespaced object depends on the namespace, so none is created before it", () => {
    const s = synth();
    for (const type of ["kubernetes_stateful_set_v1", "kubernetes_deployment_v1", "kubernetes_service_v1", "kubernetes_job_v1", "kubernetes_secret_v1", "kubernetes_config_map_v1"]) {
      for (const [id, r] of Object.entries<any>(s.resources(type))) {
        expect({ id, dependsOn: r.depends_on }).toEqual({ id, dependsOn: expect.arrayContaining(["kubernetes_namespace_v1.Platform_Namespace_8B005C5C"]) });
      }
    }
  });

  test("a stateless service is a Deployment; each service with ports gets a Service", () => {
    const s = synth();
    expect(s.k8s("kubernetes_deployment_v1", "web").wait_for_rollout).toBe(true);
    expect(s.k8s("kubernetes_service_v1", "db").spec.port).toEqual([{ name: "sql", port: 5432, target_port: "5432" }]);
    expect(s.k8s("kubernetes_service_v1", "web").spec.selector).toEqual({ "app.kubernetes.io/name": "web" });
  });

  test("a service with replicas gets a disruption budget of one and prefers to spread over nodes; a single replica gets neither", () => {
    const s = synthOn("kubernetes", (scope, platform) => {
      platform.service(scope, "Web", { name: "web", image: "example/web:1.0", ports: [{ name: "http", port: 80 }], replicas: 3, runAsUser: 1000 });
      platform.service(scope, "One", { name: "one", image: "example/one:1.0", ports: [{ name: "http", port: 80 }], runAsUser: 1000 });
    });
    expect(s.k8s("kubernetes_pod_disruption_budget_v1", "web").spec).toEqual({ max_unavailable: "1", selector: { match_labels: { "app.kubernetes.io/name": "web" } } });
    expect(Object.keys(s.resources("kubernetes_pod_disruption_budget_v1"))).toHaveLength(1);
    const web = s.k8s("kubernetes_deployment_v1", "web").spec;
    expect(web.replicas).toBe("3");
    expect(web.template.spec.affinity.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution).toEqual([
      { weight: 100, pod_affinity_term: { topology_key: "kubernetes.io/hostname", label_selector: [{ match_labels: { "app.kubernetes.io/name": "web" } }] } },
    ]);
    expect(s.k8s("kubernetes_deployment_v1", "one").spec.template.spec.affinity).toBeUndefined();
  });

  test("a graceful stop is the container's preStop hook, and its timeout the pod's termination grace; without one, neither", () => {
    const s = synthOn("kubernetes", (scope, platform) => {
      platform.service(scope, "Web", { name: "web", image: "example/web:1.0", replicas: 2, runAsUser: 1000, gracefulStop: { command: ["sh", "-c", "drain ${HOSTNAME}"], timeoutSeconds: 45 } });
    });
    const pod = s.k8s("kubernetes_deployment_v1", "web").spec.template.spec;
    expect(pod.container[0].lifecycle).toEqual({ pre_stop: [{ exec: { command: ["sh", "-c", "drain $${HOSTNAME}"] } }] });
    expect(pod.termination_grace_period_seconds).toBe(45);
    const plain = synth().k8s("kubernetes_deployment_v1", "web").spec.template.spec;
    expect(plain.container[0].lifecycle).toBeUndefined();
    expect(plain.termination_grace_period_seconds).toBeUndefined();
  });

  test("a replicated service's replicas endpoint is a headless Service listing its pods; a flow to it is a flow to the service", () => {
    const s = synthOn("kubernetes", (scope, platform) => {
      const web = platform.service(scope, "Web", { name: "web", image: "example/web:1.0", ports: [{ name: "metrics", port: 9404 }], replicas: 2, runAsUser: 1000 });
      const one = platform.service(scope, "One", { name: "one", image: "example/one:1.0", ports: [{ name: "metrics", port: 9404 }], runAsUser: 1000 });
      expect(web.replicasEndpoint("metrics").address).toBe("web-replicas:9404");
      expect(one.replicasEndpoint("metrics").address).toBe("one:9404");
      platform.service(scope, "Scraper", { name: "scraper", image: "example/scraper:1.0", runAsUser: 1000, connectsTo: [web.replicasEndpoint("metrics")] });
    });
    const headless = s.k8s("kubernetes_service_v1", "web-replicas").spec;
    expect(headless).toMatchObject({ cluster_ip: "None", selector: { "app.kubernetes.io/name": "web" }, port: [{ name: "metrics", port: 9404, target_port: "9404" }] });
    expect(s.k8s("kubernetes_service_v1", "web").spec.cluster_ip).toBeUndefined();
    expect(() => s.k8s("kubernetes_service_v1", "one-replicas")).toThrow(/found 0/);
    const ingress = s.k8s("kubernetes_network_policy_v1", "web-ingress").spec.ingress[0];
    expect(ingress.from[0].pod_selector.match_expressions[0].values).toEqual(["scraper", "web"]);
    expect(s.k8s("kubernetes_network_policy_v1", "scraper-egress").spec.egress[0]).toEqual({
      to: [{ pod_selector: { match_labels: { "app.kubernetes.io/name": "web" } } }],
      ports: [{ port: "9404", protocol: "TCP" }],
    });
  });

  test("a replicated StatefulSet is governed by its headless Service, starts its pods together, and names each pod", () => {
    let hosts: string[] = [];
    const s = synthOn("kubernetes", (scope, platform) => {
      const broker = platform.service(scope, "Broker", { name: "broker", image: "b:1", ports: [{ name: "p", port: 9092 }], volumes: [{ name: "data", path: "/data" }], replicas: 3, runAsUser: 1000 });
      hosts = broker.replicaHosts;
    });
    expect(hosts).toEqual(["broker-0.broker-replicas", "broker-1.broker-replicas", "broker-2.broker-replicas"]);
    const sts = s.k8s("kubernetes_stateful_set_v1", "broker").spec;
    expect(sts).toMatchObject({ service_name: "broker-replicas", pod_management_policy: "Parallel", replicas: "3" });
    expect(s.k8s("kubernetes_service_v1", "broker-replicas").spec.publish_not_ready_addresses).toBe(true);
    // A single replica keeps its plain Service as governor and the ordered start.
    expect(synth().k8s("kubernetes_stateful_set_v1", "db").spec).toMatchObject({ service_name: "db" });
    expect(synth().k8s("kubernetes_stateful_set_v1", "db").spec.pod_management_policy).toBeUndefined();
  });

  test("probes come from the health check; requests and limits are set", () => {
    const c = synth().k8s("kubernetes_stateful_set_v1", "db").spec.template.spec.container[0];
    expect(c.readiness_probe).toEqual({ period_seconds: 2, timeout_seconds: 5, failure_threshold: 3, tcp_socket: [{ port: "5432" }] });
    expect(c.liveness_probe).toMatchObject({ failure_threshold: 40, initial_delay_seconds: 10, tcp_socket: [{ port: "5432" }] });
    expect(c.startup_probe).toMatchObject({ failure_threshold: 15 });
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "300Mi" } });
    const web = synth().k8s("kubernetes_deployment_v1", "web").spec.template.spec.container[0];
    expect(web.readiness_probe.http_get).toEqual({ path: "/ready", port: "80" });
  });

  test("every pod runs restricted as its user, with a read-only root filesystem and no service-account token", () => {
    const s = synth();
    const pod = s.k8s("kubernetes_stateful_set_v1", "db").spec.template.spec;
    expect(pod.automount_service_account_token).toBe(false);
    expect(pod.security_context).toEqual({ run_as_non_root: true, run_as_user: "999", run_as_group: "999", fs_group: "999", seccomp_profile: { type: "RuntimeDefault" } });
    expect(pod.container[0].security_context).toEqual({
      allow_privilege_escalation: false,
      capabilities: { drop: ["ALL"] },
      read_only_root_filesystem: true,
      run_as_non_root: true,
      run_as_user: "999",
      run_as_group: "999",
      seccomp_profile: { type: "RuntimeDefault" },
    });
    for (const type of ["kubernetes_stateful_set_v1", "kubernetes_deployment_v1", "kubernetes_job_v1"]) {
      for (const w of Object.values<any>(s.resources(type))) expect({ w: w.metadata.name, token: w.spec.template.spec.automount_service_account_token }).toEqual({ w: w.metadata.name, token: false });
    }
  });

  test("/tmp and the writable paths are empty directories; an init container copies the image's content into the latter", () => {
    const s = synth();
    const db = s.k8s("kubernetes_stateful_set_v1", "db").spec.template.spec;
    expect(db.volume.filter((v: any) => v.empty_dir)).toEqual([{ name: "writable-0", empty_dir: {} }]);
    expect(db.container[0].volume_mount).toEqual(expect.arrayContaining([{ name: "writable-0", mount_path: "/tmp" }]));
    expect(db.init_container).toBeUndefined();
    const web = s.k8s("kubernetes_deployment_v1", "web").spec.template.spec;
    expect(web.volume).toEqual([
      { name: "writable-0", empty_dir: {} },
      { name: "writable-1", empty_dir: {} },
    ]);
    expect(web.container[0].volume_mount).toEqual([
      { name: "writable-0", mount_path: "/tmp" },
      { name: "writable-1", mount_path: "/var/cache/web" },
    ]);
    const [seed] = web.init_container;
    expect(seed).toMatchObject({ name: "writable-paths", image: "example/web:1.0", volume_mount: [{ name: "writable-1", mount_path: "/writable/writable-1" }] });
    expect(seed.command).toEqual(["sh", "-c", "if [ -d '/var/cache/web' ]; then cp -R '/var/cache/web/.' '/writable/writable-1/'; fi"]);
    expect(seed.security_context).toEqual(web.container[0].security_context);
  });

  test("a workload without a numeric user is refused on Kubernetes, naming the prop", () => {
    const { stack, platform } = stackOn("kubernetes");
    expect(() => platform.service(stack, "A", { name: "a", image: "a:1" })).toThrow(
      "KubernetesPlatform: runAsUser of 'a' is required: every pod runs as non-root, and the kubelet cannot check that a named image user is not root (got undefined). Set runAsUser to the numeric UID of the image's user (e.g. 1000).",
    );
  });

  describe("network policies", () => {
    const policies = (build: Parameters<typeof synthOn>[1], props: Record<string, unknown> = {}) => {
      const { KubernetesPlatform } = jest.requireActual("../../constructs");
      const { stack } = stackOn("docker");
      new KubernetesProvider(stack, "kubernetes");
      const platform = new KubernetesPlatform(stack, "K8s", props);
      build(stack, platform);
      const all = JSON.parse(Testing.synth(stack, true)).resource.kubernetes_network_policy_v1 ?? {};
      return Object.fromEntries(Object.values<any>(all).map((p) => [p.metadata.name, p.spec]));
    };
    const pod = (name: string) => ({ pod_selector: { match_labels: { "app.kubernetes.io/name": name } } });
    // A client rendered before its server (as the JobManager before the TaskManagers), a job, and a server outside the stack.
    const flows: Parameters<typeof synthOn>[1] = (scope, platform) => {
      platform.service(scope, "Client", { name: "client", image: "c:1", runAsUser: 1000, connectsTo: [new Endpoint("db", 5432), new Endpoint("mail.example.com", 587)] });
      platform.service(scope, "Db", {
        name: "db",
        image: "d:1",
        runAsUser: 999,
        ports: [
          { name: "sql", port: 5432 },
          { name: "metrics", port: 9187 },
        ],
      });
      platform.job(scope, "Migrate", { name: "migrate", image: "m:1", runAsUser: 1000, connectsTo: [new Endpoint("db", 5432)] });
    };

    test("the namespace denies everything but DNS; each flow a workload declares is allowed out of it and into its server, and nothing else", () => {
      const p = policies(flows);
      expect(Object.keys(p).sort()).toEqual(["client-egress", "db-egress", "db-ingress", "default-deny", "migrate-egress"]);
      expect(p["default-deny"]).toEqual({
        pod_selector: {},
        policy_types: ["Ingress", "Egress"],
        egress: [
          {
            ports: [
              { port: "53", protocol: "UDP" },
              { port: "53", protocol: "TCP" },
            ],
          },
        ],
      });
      expect(p["client-egress"]).toEqual({
        ...pod("client"),
        policy_types: ["Egress"],
        egress: [
          { to: [pod("db")], ports: [{ port: "5432", protocol: "TCP" }] },
          { to: [{ ip_block: { cidr: "0.0.0.0/0" } }], ports: [{ port: "587", protocol: "TCP" }] },
        ],
      });
      expect(p["migrate-egress"].egress).toEqual([{ to: [pod("db")], ports: [{ port: "5432", protocol: "TCP" }] }]);
      // Its clients on the port they use, its own replicas on every port; nobody else.
      const admitted = (port: string) => p["db-ingress"].ingress.find((r: any) => r.ports[0].port === port).from[0].pod_selector.match_expressions[0];
      expect(admitted("5432")).toEqual({ key: "app.kubernetes.io/name", operator: "In", values: ["client", "db", "migrate"] });
      expect(admitted("9187")).toEqual({ key: "app.kubernetes.io/name", operator: "In", values: ["db"] });
      expect(p["db-egress"].egress).toEqual([
        {
          to: [pod("db")],
          ports: [
            { port: "5432", protocol: "TCP" },
            { port: "9187", protocol: "TCP" },
          ],
        },
      ]);
    });

    test("networkPolicies: false renders none", () => {
      expect(policies(flows, { networkPolicies: false })).toEqual({});
    });

    test("a flow to a port its server does not listen on fails at synthesis, naming the workload, the port and the fix", () => {
      expect(() =>
        policies((scope, platform) => {
          platform.service(scope, "Db", { name: "db", image: "d:1", runAsUser: 999, ports: [{ name: "sql", port: 5432 }] });
          platform.job(scope, "Migrate", { name: "migrate", image: "m:1", runAsUser: 1000, connectsTo: [new Endpoint("db", 5433)] });
        }),
      ).toThrow(
        `KubernetesPlatform: connectsTo of 'migrate' names port 5433 of service 'db', which does not listen there (ports: sql 5432) (got "db:5433"). Connect to one of its ports (handle.endpoint("<name>")), or declare the port on 'db'.`,
      );
    });
  });

  test("a leader-election group shares one service account that may use ConfigMaps only; its pods mount the token, reach the API server, and are exempt from the token rule alone", () => {
    const { LakehousePolicy } = jest.requireActual("../../constructs");
    const { stack, platform } = stackOn("kubernetes");
    Aspects.of(stack).add(new LakehousePolicy());
    platform.service(stack, "Leader", { name: "leader", image: "l:1", runAsUser: 1000, replicas: 2, ports: [{ name: "rpc", port: 6123 }], leaderElectionGroup: "flink" });
    platform.service(stack, "Follower", { name: "follower", image: "f:1", runAsUser: 1000, leaderElectionGroup: "flink", connectsTo: [new Endpoint("leader", 6123)] });
    platform.service(stack, "Other", { name: "other", image: "o:1", runAsUser: 1000 });
    const synthesized = JSON.parse(Testing.synth(stack, true));
    const s = new Synth(synthesized);
    expect(Object.values<any>(synthesized.resource.kubernetes_service_account_v1).map((a) => a.metadata.name)).toEqual(["flink-leader-election"]);
    expect(Object.values<any>(synthesized.resource.kubernetes_role_v1).map((r) => r.rule)).toEqual([
      [{ api_groups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] }],
    ]);
    const binding = Object.values<any>(synthesized.resource.kubernetes_role_binding_v1);
    expect(binding).toHaveLength(1);
    expect(binding[0].subject).toEqual([{ kind: "ServiceAccount", name: expect.stringMatching(/kubernetes_service_account_v1\./), namespace: "lakehouse" }]);
    for (const name of ["leader", "follower"]) {
      const workload = s.k8sWorkload(name);
      expect(workload.spec.template.spec).toMatchObject({ service_account_name: "flink-leader-election", automount_service_account_token: true });
      expect(workload.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_role_binding_v1\./)]));
    }
    expect(s.k8sWorkload("other").spec.template.spec).toMatchObject({ automount_service_account_token: false });
    expect(s.k8sWorkload("other").spec.template.spec.service_account_name).toBeUndefined();
    // The API server is outside the stack: its ports, any address.
    const egress = Object.values<any>(synthesized.resource.kubernetes_network_policy_v1).find((p) => p.metadata.name === "follower-egress").spec.egress;
    expect(egress).toContainEqual({
      to: [{ ip_block: { cidr: "0.0.0.0/0" } }],
      ports: [
        { port: "443", protocol: "TCP" },
        { port: "6443", protocol: "TCP" },
      ],
    });
    // The token rule is suppressed with the reason on those two; every other rule still holds for them.
    const infos = stack.node.findAll().flatMap((n) => n.node.metadata.filter((m) => m.type === "@cdktf/info").map((m) => String(m.data)));
    expect(infos.filter((i) => /kubernetes-service-account-token/.test(i))).toEqual([
      expect.stringMatching(/'leader' takes part in leader election 'flink' through the Kubernetes API: its service account may use the namespace's ConfigMaps and nothing else/),
      expect.stringMatching(/'follower' takes part in leader election 'flink'/),
    ]);
  });

  test("apiServerPorts and leaderElectionGroup are checked", () => {
    const { KubernetesPlatform } = jest.requireActual("../../constructs");
    const { stack } = stackOn("docker");
    expect(() => new KubernetesPlatform(stack, "K8s", { apiServerPorts: [0] })).toThrow(/KubernetesPlatform: apiServerPorts/);
    const { stack: other, platform } = stackOn("kubernetes");
    expect(() => platform.service(other, "A", { name: "a", image: "a:1", runAsUser: 1000, leaderElectionGroup: "Flink_HA" })).toThrow(
      /Platform: leaderElectionGroup of service 'a' must be a DNS label/,
    );
  });

  test("secrets are Kubernetes Secrets referenced by env, never inlined", () => {
    const s = synth();
    expect(s.k8s("kubernetes_secret_v1", "db-password").data).toEqual({ value: "${random_password.Pw.result}" });
    const env = s.k8s("kubernetes_stateful_set_v1", "db").spec.template.spec.container[0].env;
    expect(env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
      { name: "DB_PASSWORD", value_from: { secret_key_ref: { name: "db-password", key: "value" } } },
    ]);
  });

  test("secret files are the Secret's key in a projected volume, read-only at /run/secrets and readable by the pod's user and group only", () => {
    const pod = synth().k8s("kubernetes_stateful_set_v1", "db").spec.template.spec;
    expect(pod.volume).toEqual(
      expect.arrayContaining([{ name: "secret-files", projected: [{ default_mode: "0440", sources: [{ secret: [{ name: "db-password", items: [{ key: "value", path: "db-password" }] }] }] }] }]),
    );
    expect(pod.container[0].volume_mount).toEqual(expect.arrayContaining([{ name: "secret-files", mount_path: "/run/secrets", read_only: true }]));
    // The pod's group owns the files (fsGroup), the container runs as that user.
    expect(pod.security_context.fs_group).toBe("999");
    expect(new Synth(synth().json).secretFile("db", "db-password")).toBe("${random_password.Pw.result}");
  });

  test("absence: no host ports or host network, no volumes or secret references where the spec has none, secrets only in Secrets", () => {
    const s = synth();
    const workloads = ["kubernetes_stateful_set_v1", "kubernetes_deployment_v1", "kubernetes_job_v1"].flatMap((t) => Object.values<any>(s.resources(t)));
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      // No workload binds a host port: a cluster is reached through port-forward (publish() renders nothing, see below).
      expect({
        w: w.metadata.name,
        hostNetwork: pod.host_network,
        hostPorts: pod.container.flatMap((c: any) => (c.port ?? []).map((p: any) => p.host_port).filter((p: any) => p !== undefined)),
      }).toEqual({ w: w.metadata.name, hostNetwork: undefined, hostPorts: [] });
    }
    // Beside the empty directories of /tmp and the writable paths: nothing.
    const scratch = (pod: any) => (pod.volume ?? []).filter((v: any) => !v.empty_dir);
    const web = s.k8s("kubernetes_deployment_v1", "web").spec.template.spec;
    expect({ volumes: scratch(web), secretRefs: (web.container[0].env ?? []).filter((e: any) => e.value_from) }).toEqual({ volumes: [], secretRefs: [] });
    expect(scratch(s.k8s("kubernetes_job_v1", "db-init").spec.template.spec)).toEqual([]);
    expect(Object.keys(s.resources("kubernetes_config_map_v1")).length).toBe(1);
    // The generated password is written into its Secret and nowhere else.
    const holders = Object.entries<any>(s.json.resource).flatMap(([type, rs]) =>
      Object.values<any>(rs)
        .filter((r) => JSON.stringify(r).includes("random_password.Pw.result"))
        .map(() => type),
    );
    expect(holders).toEqual(["kubernetes_secret_v1"]);
  });

  test("files are a ConfigMap mounted read-only by subPath, escaped for Terraform", () => {
    const s = synth();
    expect(s.k8s("kubernetes_config_map_v1", "db-files").data).toEqual({ "etc_db_db.conf": "key=$${ENV:SECRET}\n", "opt_run.sh": "#!/bin/sh\n" });
    const pod = s.k8s("kubernetes_stateful_set_v1", "db").spec.template.spec;
    expect(pod.volume.find((v: any) => v.name === "files").config_map.items).toEqual([
      { key: "etc_db_db.conf", path: "etc_db_db.conf", mode: "0644" },
      { key: "opt_run.sh", path: "opt_run.sh", mode: "0755" },
    ]);
    expect(pod.container[0].volume_mount).toEqual(expect.arrayContaining([{ name: "files", mount_path: "/etc/db/db.conf", sub_path: "etc_db_db.conf", read_only: true }]));
  });

  test("a job is waited for, bounded, never deleted by TTL, and runs after its dependencies", () => {
    const job = synth().k8s("kubernetes_job_v1", "db-init");
    expect(job.wait_for_completion).toBe(true);
    expect(job.timeouts).toEqual({ create: "120s", update: "120s" });
    expect(job.spec.active_deadline_seconds).toBe(120);
    expect(job.spec.ttl_seconds_after_finished).toBeUndefined();
    expect(job.spec.template.spec.restart_policy).toBe("Never");
    expect(job.depends_on).toEqual(expect.arrayContaining(["kubernetes_stateful_set_v1.Db"]));
  });

  test("image pull policy defaults to IfNotPresent so locally built images run", () => {
    expect(synth().k8s("kubernetes_deployment_v1", "web").spec.template.spec.container[0].image_pull_policy).toBe("IfNotPresent");
  });

  test("cpuRequestFraction scales CPU requests only, rounding up; memory and limits stay", () => {
    const { stack } = stackOn("kubernetes");
    const { KubernetesPlatform } = jest.requireActual("../../constructs");
    const platform = new KubernetesPlatform(stack, "K", { namespace: "other", cpuRequestFraction: 0.25 });
    platform.service(stack, "Db", { name: "db", image: "example/db:1.0", runAsUser: 999, resources: { cpuMillis: 250, memoryMiB: 300 } });
    platform.service(stack, "Tiny", { name: "tiny", image: "example/db:1.0", runAsUser: 999, resources: { cpuMillis: 1, memoryMiB: 64 } });
    platform.job(stack, "Init", { name: "init", image: "example/tool:1.0", runAsUser: 1000 });
    const s = JSON.parse(Testing.synth(stack, true)).resource;
    const res = (type: string, id: string) => s[type][id].spec.template.spec.container[0].resources;
    expect(res("kubernetes_deployment_v1", "Db")).toEqual({ requests: { cpu: "63m", memory: "300Mi" }, limits: { memory: "300Mi" } });
    expect(res("kubernetes_deployment_v1", "Tiny").requests.cpu).toBe("1m");
    expect(res("kubernetes_job_v1", "Init").requests.cpu).toBe("63m");
  });

  test("cpuRequestFraction outside (0, 1] fails naming the prop", () => {
    const { KubernetesPlatform } = jest.requireActual("../../constructs");
    for (const bad of [0, -0.5, 1.5, Number.NaN]) {
      const { stack } = stackOn("docker");
      expect(() => new KubernetesPlatform(stack, "K", { cpuRequestFraction: bad })).toThrow(/KubernetesPlatform: cpuRequestFraction must be a number greater than 0 and at most 1/);
    }
  });

  test("an invalid namespace fails", () => {
    const { stack } = stackOn("docker");
    const { KubernetesPlatform } = jest.requireActual("../../constructs");
    expect(() => new KubernetesPlatform(stack, "K", { namespace: "Lake House" })).toThrow(/KubernetesPlatform: namespace must be a DNS label .*got "Lake House"/);
  });

  test("publish records the port-forward port and renders nothing; there is no address on this machine", () => {
    const { stack, platform } = stackOn("kubernetes");
    const web = platform.service(stack, "Web", { name: "web", image: "w:1", runAsUser: 1000, ports: [{ name: "http", port: 80 }] });
    const before = Testing.synth(stack);
    platform.publish(web.endpoint("http"), 8080);
    expect(platform.publishedPort(web.endpoint("http"))).toBe(8080);
    expect(platform.publishedAddress(web.endpoint("http"))).toBeUndefined();
    expect(Testing.synth(stack)).toEqual(before);
  });

  test("a job's deadline is its timeout, and its script gives up a minute earlier so its own error is the one reported", () => {
    const s = synthOn("kubernetes", (scope, platform) => {
      platform.job(scope, "Told", { name: "told", image: "t:1", runAsUser: 1000, timeoutEnv: "TIMEOUT_SECONDS", timeoutSeconds: 900 });
    });
    const job = s.k8s("kubernetes_job_v1", "told");
    expect(job.spec.active_deadline_seconds).toBe(900);
    expect(job.timeouts).toEqual({ create: "900s", update: "900s" });
    expect(job.spec.template.spec.container[0].env).toEqual([{ name: "TIMEOUT_SECONDS", value: "840" }]);
  });
});
