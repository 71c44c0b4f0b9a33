import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Construct } from "constructs";
import { StatefulPersistenceRule } from "../../constructs";
import { check, deployment, dockerService, dockerVolume, policyStack } from "./helpers";

function statefulSet(scope: Construct, id: string, claims: string[], mounts: string[]): StatefulSetV1 {
  return new StatefulSetV1(scope, id, {
    metadata: { name: id.toLowerCase() },
    spec: {
      serviceName: id.toLowerCase(),
      selector: { matchLabels: { app: id } },
      template: {
        metadata: { labels: { app: id } },
        spec: { container: [{ name: "main", image: "example/db:1", volumeMount: mounts.map((m) => ({ name: m, mountPath: `/${m}` })) }] },
      },
      volumeClaimTemplate: claims.map((name) => ({ metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } })),
    },
  });
}

describe("stateful-persistence", () => {
  test("fails on Docker: stateful software without a volume, anonymous volumes, a volume no container mounts", () => {
    const stack = policyStack();
    dockerService(stack, "Pg", "postgres:17.12");
    dockerService(stack, "Kafka", "apache/kafka:4.3.1", { volumes: [{ containerPath: "/var/lib/kafka/data" }] });
    dockerVolume(stack, "Orphan");
    const f = check(stack, new StatefulPersistenceRule());

    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/Pg: .*docker_container\.Pg runs 'postgres:17\.12', which keeps data on disk, without a persistent volume/),
      expect.stringMatching(/^policy\/Kafka: .*volumes\[0\] at '\/var\/lib\/kafka\/data' is an anonymous volume: it is deleted with the container/),
      expect.stringMatching(/^policy\/Kafka: .*runs 'apache\/kafka:4\.3\.1', which keeps data on disk, without a persistent volume/),
      expect.stringMatching(/^policy\/Orphan: .*docker_volume\.Orphan \('orphan'\) is mounted by no container of the stack/),
    ]);
    expect(f.thrown).toMatch(/stateful-persistence/);
  });

  test("fails on Kubernetes: a StatefulSet without claims or with an unmounted claim, stateful software in a Deployment", () => {
    const stack = policyStack();
    statefulSet(stack, "NoClaims", [], []);
    statefulSet(stack, "Unmounted", ["data", "wal"], ["data"]);
    deployment(stack, "Pg", { image: "bitnami/postgresql:17" });
    const f = check(stack, new StatefulPersistenceRule());

    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/NoClaims: .*kubernetes_stateful_set_v1\.NoClaims has no volume_claim_template/),
      expect.stringMatching(/^policy\/Unmounted: .*volume claim template 'wal' is mounted by no container/),
      expect.stringMatching(/^policy\/Pg: .*runs 'bitnami\/postgresql:17', which keeps data on disk, in a deployment without a PersistentVolumeClaim/),
    ]);
  });

  test("passes: named volumes and bind mounts, jobs and stateless images without volumes, StatefulSets with mounted claims, Deployments with a PVC", () => {
    const stack = policyStack();
    const data = dockerVolume(stack, "PgData");
    dockerService(stack, "Pg", "postgres:17.12", { volumes: [{ volumeName: data.name, containerPath: "/var/lib/postgresql/data" }] });
    dockerService(stack, "Minio", "minio/minio:RELEASE.2025", { volumes: [{ hostPath: "/srv/minio", containerPath: "/data" }] });
    dockerService(stack, "Mc", "minio/mc:RELEASE.2025", { attach: true });
    dockerService(stack, "PgJob", "postgres:17.12", { attach: true, mustRun: false });
    dockerService(stack, "Trino", "trinodb/trino:476");
    statefulSet(stack, "Db", ["data"], ["data"]);
    deployment(stack, "PgDeployment", { image: "postgres:17.12" }, { volume: [{ name: "data", persistentVolumeClaim: { claimName: "pg-data" } }] });
    expect(check(stack, new StatefulPersistenceRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });
});
