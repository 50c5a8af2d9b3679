/**
 * groundcrew.yml sections shared by the tests that start real processes (kill -9, two replicas, the compose proxy):
 * each test writes its header, then the sections it needs.
 */

/** The header every one of them starts with. */
export function headerYaml(admin: string): string {
  return `timezone: Europe/Berlin
admins: [${admin}]
platformTeam: [U0PLAT001]
`;
}

/** `web` on staging and production (production needs `count` of `approvers`), dispatched by GitHub Actions. */
export function deploysYaml(channel: string, approvals: { count: number; approvers: readonly string[] }): string {
  return `deploys:
  channel: ${channel}
  environments:
    - name: staging
    - name: production
      approvals: { count: ${approvals.count}, approvers: [${approvals.approvers.join(', ')}] }
  executors:
    web-actions:
      type: github-actions
      repo: acme/web
      workflow: deploy.yml
      inputs: { service: service, environment: environment, ref: ref }
  services:
    - name: web
      environments: [staging, production]
      executor: web-actions
`;
}

/** A help channel, triaged in C0TRIAGE01, with U0PLAT001 the one responder on duty. */
export function supportYaml(helpChannel: string): string {
  return `support:
  channels: [${helpChannel}]
  triageChannel: C0TRIAGE01
  responders: [U0PLAT001]
  onDuty:
    rotation: { people: [U0PLAT001], handoff: { day: monday, time: "09:00" } }
`;
}
