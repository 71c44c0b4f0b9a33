import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { LoopbackHostPortsRule } from "../../constructs";
import { check, deployment, dockerService, policyStack } from "./helpers";

describe("loopback-host-ports", () => {
  test("fails: ports on all interfaces (no ip, 0.0.0.0, ::, a random host port), host networking, publish_all_ports, Kubernetes hostPort and hostNetwork", () => {
    const stack = policyStack();
    dockerService(stack, "NoIp", "example/a:1", { ports: [{ internal: 80, external: 8080 }] });
    dockerService(stack, "AllV4", "example/b:1", { ports: [{ internal: 80, external: 8081, ip: "0.0.0.0" }] });
    dockerService(stack, "AllV6", "example/c:1", { ports: [{ internal: 80, external: 8082, ip: "::" }] });
    dockerService(stack, "Random", "example/d:1", { ports: [{ internal: 80 }] });
    dockerService(stack, "HostNet", "example/e:1", { networkMode: "host", publishAllPorts: true });
    deployment(stack, "HostPort", { port: [{ containerPort: 80, hostPort: 8083 }] });
    deployment(stack, "HostNetwork", {}, { hostNetwork: true });
    const f = check(stack, new LoopbackHostPortsRule());

    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/NoIp: .*ports\[0\] \(internal 80, external 8080\) binds to all interfaces \(no ip, which means 0\.0\.0\.0\)\. Set ip = "127\.0\.0\.1"/),
      expect.stringMatching(/^policy\/AllV4: .*binds to all interfaces \(0\.0\.0\.0\)/),
      expect.stringMatching(/^policy\/AllV6: .*binds to all interfaces \(::\)/),
      expect.stringMatching(/^policy\/Random: .*\(internal 80, external random\) binds to all interfaces/),
      expect.stringMatching(/^policy\/HostNet: .*network_mode "host"/),
      expect.stringMatching(/^policy\/HostNet: .*publish_all_ports/),
      expect.stringMatching(/^policy\/HostPort: .*container\[0\]\.port\[0\] \(host_port 8083\) binds to all interfaces/),
      expect.stringMatching(/^policy\/HostNetwork: .*host_network is true/),
    ]);
    expect(f.thrown).toMatch(/loopback-host-ports/);
  });

  test("passes: ports on 127.0.0.1 or ::1, unpublished ports, ClusterIP Services", () => {
    const stack = policyStack();
    dockerService(stack, "V4", "example/a:1", { ports: [{ internal: 80, external: 8080, ip: "127.0.0.1" }] });
    dockerService(stack, "V6", "example/b:1", { ports: [{ internal: 80, external: 8081, ip: "::1" }] });
    dockerService(stack, "Internal", "example/c:1");
    deployment(stack, "App", { port: [{ containerPort: 80 }] });
    new ServiceV1(stack, "Svc", { metadata: { name: "svc" }, spec: { port: [{ port: 80 }] } });
    expect(check(stack, new LoopbackHostPortsRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });

  test("warns: a specific non-loopback address, NodePort and LoadBalancer Services", () => {
    const stack = policyStack();
    dockerService(stack, "Lan", "example/a:1", { ports: [{ internal: 80, external: 8080, ip: "192.168.1.10" }] });
    new ServiceV1(stack, "Svc", { metadata: { name: "svc" }, spec: { type: "NodePort", port: [{ port: 80 }] } });
    const f = check(stack, new LoopbackHostPortsRule());
    expect(f.errors).toEqual([]);
    expect(f.warnings).toEqual([
      expect.stringMatching(/^policy\/Lan: .*binds to 192\.168\.1\.10, which is not loopback/),
      expect.stringMatching(/^policy\/Svc: .*is a NodePort Service: it is reachable from outside the cluster/),
    ]);
  });
});
