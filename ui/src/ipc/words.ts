// The words Rust defines once (src-tauri/crates/proto/src/words.rs), read from the data file its test writes
// into gen/ (`make types`; `make types-check` fails when it is stale).

import words from "./gen/words.json";

/** Where IB Gateway keeps its API settings. */
export const API_SETTINGS_MENU: string = words.api_settings_menu;
/** The Gateway's "API client" light is red whenever no program is connected. */
export const API_CLIENT_LIGHT_NOTE: string = words.api_client_light_note;
/** How to restart IB Gateway by hand, in one sentence (the same words in every error and hint). */
export const RESTART_BY_HAND: string = words.restart_by_hand;
/** Protocol words kept out of the main text (whole words, any case). */
export const JARGON: readonly string[] = words.jargon;
/** Names traders see as they are, though they hold a jargon word (the Gateway's setting names). */
export const GATEWAY_NAMES: readonly string[] = words.gateway_names;
