/**
 * The prompt catalogue as the rest of Switchboard uses it: the PBX simulator times each prompt with
 * `promptDurations`, keyed by sound name (`switchboard/welcome` for `sound:switchboard/welcome`).
 */
export { loadCatalogue, parseCatalogue, type CatalogueResult } from "./catalogue.js";
export type { Catalogue } from "./catalogue-schema.js";
export { promptDurations, speechMs } from "./duration.js";
