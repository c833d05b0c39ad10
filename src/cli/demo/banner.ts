import { SUPERVISOR, type DemoSecrets } from "./config.js";
import { loadLines, type DemoLoad } from "./load.js";

/**
 * What the demo prints once it runs: the load it keeps, where to look and how to log in, each address
 * on the daemon's own port. Passwords and tokens are made for the run and appear only here.
 */
export function banner(b: { url: string; load: DemoLoad; secrets: Pick<DemoSecrets, "agentPassword" | "supervisorPassword" | "adminToken" | "metricsToken">; sinkUrl: string; scenario: string }): string {
  const { url, load, secrets: s } = b;
  const visitor = load.visitor;
  const self = load.agents.map((a) => a.id).join(", ");
  const agentLines = visitor
    ? [
        `  log in as agent ${visitor.id} with password ${s.agentPassword} and press Available: the next call for ${visitor.id} pops on the page`,
        `  (its synthetic phone answers; agents ${self} take calls by themselves, with the same password)`,
      ]
    : [`  log in as agent ${load.agents[0]?.id ?? "(none configured)"} with password ${s.agentPassword}: each call it answers pops on the page`];
  const admin = `curl -H 'Authorization: Bearer ${s.adminToken}'`;
  return [
    "",
    `Switchboard demo: the daemon, the PBX simulator (${b.scenario}) and Redis, all on loopback.`,
    ...loadLines(load),
    `Agent desktop: ${url}/agent`,
    ...agentLines,
    `Wallboard:     ${url}/wallboard`,
    `  log in as supervisor ${SUPERVISOR} with password ${s.supervisorPassword}`,
    `Reports:       ${admin} '${url}/admin/reports?from=today&by=queue&format=table'`,
    `Queues:        ${admin} ${url}/admin/queues`,
    `Prometheus:    curl -H 'Authorization: Bearer ${s.metricsToken}' ${url}/metrics`,
    `Webhooks:      leads, sales and history entries go, signed, to a local receiver (${b.sinkUrl}); each lead and sale shows below`,
    "Stop with Ctrl-C.",
    "",
    "",
  ].join("\n");
}
