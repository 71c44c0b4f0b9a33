"""Health check of the Dagster daemon: every required daemon (scheduler, sensors, run queue) has
a heartbeat within DAGSTER_DAEMON_HEARTBEAT_TOLERANCE seconds, the rule of `dagster-daemon
liveness-check`. The heartbeats are read through the webserver's GraphQL API: the liveness check
imports Dagster on every call, about 3 s of CPU, which every 30 s was most of the daemon's idle load.
"""

import json
import os
import sys
import time
import urllib.request

QUERY = "{ instance { daemonHealth { allDaemonStatuses { daemonType required lastHeartbeatTime } } } }"

request = urllib.request.Request(
    f"{os.environ['DAGSTER_WEBSERVER_URL']}/graphql",
    data=json.dumps({"query": QUERY}).encode(),
    headers={"Content-Type": "application/json"},
)
with urllib.request.urlopen(request, timeout=10) as response:
    statuses = json.load(response)["data"]["instance"]["daemonHealth"]["allDaemonStatuses"]
tolerance = float(os.environ.get("DAGSTER_DAEMON_HEARTBEAT_TOLERANCE", "1800"))
stale = [s["daemonType"] for s in statuses if s["required"] and time.time() - (s["lastHeartbeatTime"] or 0) > tolerance]
if stale:
    sys.exit(f"no heartbeat within {tolerance:.0f}s from: {', '.join(stale)}")
print("daemon live")
