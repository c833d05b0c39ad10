import { parentPort, workerData } from "node:worker_threads";
import { checkTreeDirPlain } from "./check-dir.js";
import type { TreeLimits } from "./limits.js";

// The worker thread of checkTreeDirInWorker: one check, its answer posted back, then the thread ends.
const { dir, limits } = workerData as { dir: string; limits: TreeLimits };
parentPort!.postMessage(checkTreeDirPlain(dir, limits));
