import { z } from "zod";

/**
 * The prompt catalogue (`ivr-trees/prompts.yaml`): each sound a tree, the dialplan or the queue plays,
 * by the name Asterisk looks it up under (`switchboard/welcome`, no extension), with what it says in
 * each language. The texts are the script for a studio and the input of `switchboard prompts synth`.
 */

/** Path segments of a sound name: what Asterisk finds under its sounds directory, without the extension. */
export const SOUND_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/;

/** Asterisk's language codes name the sounds subdirectory: `en`, `de`, `en_GB`, `pt_BR`. */
export const LANGUAGE = /^[a-z]{2,3}(?:_[A-Z]{2})?$/;

const soundName = z.string().regex(SOUND_NAME, "must be a sound name such as switchboard/welcome (letters, digits, - and _, parts joined by /, no extension)");
const language = z.string().regex(LANGUAGE, "must be an Asterisk language code such as en, de or en_GB");
const text = z.string().trim().min(1).max(1000);

const texts = z
  .record(language, text)
  .refine((t) => Object.keys(t).length > 0, "has no text: give one per language, e.g. en: \"Thank you for calling.\"");

export const catalogueSchema = z.record(soundName, texts);

/** Sound name -> language -> text. */
export type Catalogue = z.infer<typeof catalogueSchema>;
