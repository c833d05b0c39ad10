// What the server offers beside the pops (the welcome's `desk`): the wrap-up codes, in shortcut order,
// and the queues a call can be transferred to.

const DEFAULT = {
  wrapUpCodes: [
    { code: "resolved", label: "Resolved" },
    { code: "follow-up", label: "Follow-up needed" },
    { code: "escalated", label: "Escalated" },
    { code: "callback", label: "Callback scheduled" },
    { code: "no-action", label: "No action" },
  ],
  transferQueues: [],
};

let menu = DEFAULT;

export const deskMenu = () => menu;

export function setMenu(m) {
  menu = m && Array.isArray(m.wrapUpCodes) && m.wrapUpCodes.length ? m : DEFAULT;
}
