/** Types of the simulated app_queue (ringall queues with static and dynamic members). */

export interface QueueMemberConfig {
  /** Dial interface, e.g. `Local/agent1@agents` or `PJSIP/1001`. */
  interface: string;
  name?: string;
  /** Device whose state is the member's state (default: the interface). */
  stateInterface?: string;
  penalty?: number;
  paused?: boolean;
  pausedReason?: string;
}

export interface QueueConfig {
  name: string;
  /** Only `ringall` is simulated; other strategies are reported but ring like ringall. */
  strategy?: string;
  /** Member ring timeout, simulated ms (queues.conf `timeout`, default 15000). */
  memberTimeoutMs?: number;
  /** Pause between ring attempts, simulated ms (queues.conf `retry`, default 2000). */
  retryMs?: number;
  /** Music on hold class for waiting callers (default "default"). */
  mohClass?: string;
  members?: QueueMemberConfig[];
  maxlen?: number;
  weight?: number;
  serviceLevel?: number;
}

/** AMI device status codes used in queue member events (`Status:`). */
export const MEMBER_STATUS: Record<string, number> = {
  UNKNOWN: 0,
  NOT_INUSE: 1,
  INUSE: 2,
  BUSY: 3,
  INVALID: 4,
  UNAVAILABLE: 5,
  RINGING: 6,
  RINGINUSE: 7,
  ONHOLD: 8,
};

export interface QueueMemberSnapshot {
  queue: string;
  interface: string;
  name: string;
  stateInterface: string;
  membership: "static" | "dynamic";
  penalty: number;
  callsTaken: number;
  /** epoch seconds, 0 = never */
  lastCall: number;
  lastPause: number;
  loginTime: number;
  inCall: boolean;
  /** AMI device status code (MEMBER_STATUS). */
  status: number;
  paused: boolean;
  pausedReason: string;
  ringinuse: boolean;
  wrapupTime: number;
}

export interface QueueEntrySnapshot {
  queue: string;
  position: number;
  channelId: string;
  /** seconds waited so far */
  wait: number;
  priority: number;
}

export interface QueueSnapshot {
  name: string;
  strategy: string;
  max: number;
  calls: number;
  holdtime: number;
  talktime: number;
  completed: number;
  abandoned: number;
  serviceLevel: number;
  serviceLevelPerf: number;
  weight: number;
  members: QueueMemberSnapshot[];
  entries: QueueEntrySnapshot[];
}

/** The queue `support` of the recorded server. */
export function recordedQueues(): QueueConfig[] {
  return [
    {
      name: "support",
      strategy: "ringall",
      memberTimeoutMs: 15_000,
      retryMs: 2_000,
      mohClass: "default",
      members: [
        { interface: "Local/agent1@agents", name: "Agent One" },
        { interface: "Local/agent2@agents", name: "Agent Two" },
      ],
    },
  ];
}
