/**
 * Offer ranking speed: the shipped rules ranked for the ten demo customers, over and over, the way the
 * daemon ranks once per call while the caller is still in the IVR.
 *
 *   npx tsx bench/offers.ts [--rankings 200000]
 *
 * One ranking = converting the context for CEL, evaluating every rule's condition, picking products,
 * rendering facts and pitches, sorting. Caps are passed in (their Redis read is one pipelined round trip,
 * measured by the queue benchmarks' figures, not here). Latency per ranking with hrtime; throughput over
 * the whole timed run.
 */
import * as hdr from "hdr-histogram-js";
import { enrichCustomer } from "../src/crm/customer.js";
import { loadCustomersFile } from "../src/crm/file-store.js";
import { offerCallSchema, type OfferContext } from "../src/offers/context.js";
import { loadOffers } from "../src/offers/load.js";
import { rankOffers } from "../src/offers/rank.js";
import { arg } from "./args.js";

const RANKINGS = arg("rankings", 200_000);
const loaded = loadOffers("config/offers.yaml");
if (!loaded.ok) throw new Error("config/offers.yaml does not validate: run switchboard offers --check");
const rules = loaded.rules;
const now = new Date();
const reasons = ["technical support", "billing", "", "cancellation"];
const contexts: OfferContext[] = loadCustomersFile("config/customers.yaml", now).map((c, i) => ({
  customer: enrichCustomer(c, now),
  call: offerCallSchema.parse({ callerNumber: c.phones[0]!, reason: reasons[i % reasons.length], lane: "standard", waitSeconds: 30 + i * 20 }),
  vars: {},
}));
const noCaps = {};

// Warm-up so the JIT has settled before timing.
let offered = 0;
for (let i = 0; i < 20_000; i++) offered += rankOffers(rules, contexts[i % contexts.length]!, { capsUsed: noCaps }).length;

const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
offered = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < RANKINGS; i++) {
  const t0 = process.hrtime.bigint();
  offered += rankOffers(rules, contexts[i % contexts.length]!, { capsUsed: noCaps, limit: 3 }).length;
  histogram.recordValue(Number(process.hrtime.bigint() - t0));
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;

const us = (ns: number) => (ns / 1000).toFixed(1);
process.stdout.write(
  [
    `offers bench: ${rules.offers.length} rules, ${contexts.length} demo customers, ${RANKINGS} rankings, node ${process.version}`,
    `rankings/s      ${Math.round(RANKINGS / seconds)}`,
    `per ranking     p50 ${us(histogram.getValueAtPercentile(50))} us   p99 ${us(histogram.getValueAtPercentile(99))} us   max ${us(histogram.maxValue)} us`,
    `offers shown    ${(offered / RANKINGS).toFixed(2)} per ranking (limit 3)`,
    "",
  ].join("\n"),
);
