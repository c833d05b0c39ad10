/**
 * The shapes of a Swagger 1.1 API declaration and the builders the resource tables are written
 * with. Every builder fixes the key order of what it builds: ari-client reads the JSON as served,
 * and the recordings compare it byte for byte.
 */

type ParamType = "path" | "query" | "body";
export interface Param {
  name: string;
  description: string;
  paramType: ParamType;
  required: boolean;
  allowMultiple: boolean;
  dataType: string;
  defaultValue?: string | number | boolean;
  allowableValues?: { valueType: "LIST"; values: string[] };
}
export interface Operation {
  httpMethod: string;
  summary: string;
  nickname: string;
  responseClass: string;
  parameters?: Param[];
  errorResponses?: Array<{ code: number; reason: string }>;
  upgrade?: string;
  websocketProtocol?: string;
}
export interface Api {
  path: string;
  description: string;
  operations: Operation[];
}
export interface ModelProp {
  type: string;
  required?: boolean;
  description?: string;
  allowableValues?: { valueType: "LIST"; values: string[] };
}
export interface Model {
  id: string;
  description: string;
  properties: Record<string, ModelProp>;
  discriminator?: string;
  subTypes?: string[];
}

/** One ARI resource: its entry in resources.json, and its own declaration's apis and models. */
export interface Resource {
  name: string;
  description: string;
  apis(): Api[];
  models(): Record<string, Model>;
}

export type ErrorList = Array<[number, string]>;

export const q = (name: string, dataType: string, description: string, required = false, extra: Partial<Param> = {}): Param => ({
  name,
  description,
  paramType: "query",
  required,
  allowMultiple: false,
  dataType,
  ...extra,
});
export const p = (name: string, description: string): Param => ({
  name,
  description,
  paramType: "path",
  required: true,
  allowMultiple: false,
  dataType: "string",
});
export const body = (name: string, description: string, dataType = "containers"): Param => ({
  name,
  description,
  paramType: "body",
  required: false,
  allowMultiple: false,
  dataType,
});
/** A parameter that takes a list (`allowMultiple` keeps its place in the key order). */
export const many = (param: Param): Param => ({ ...param, allowMultiple: true });
export const op = (
  httpMethod: string,
  nickname: string,
  responseClass: string,
  summary: string,
  parameters: Param[] = [],
  errors: ErrorList = [],
): Operation => ({
  httpMethod,
  summary,
  nickname,
  responseClass,
  ...(parameters.length ? { parameters } : {}),
  ...(errors.length ? { errorResponses: errors.map(([code, reason]) => ({ code, reason })) } : {}),
});
export const s = (description: string, required = true): ModelProp => ({ type: "string", required, description });
export const typed = (type: string, description: string, required = true): ModelProp => ({ type, required, description });
/** A string property limited to `values`. */
export const oneOf = (description: string, values: string[]): ModelProp => ({
  type: "string",
  required: true,
  description,
  allowableValues: { valueType: "LIST", values },
});
