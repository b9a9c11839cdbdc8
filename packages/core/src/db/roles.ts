/**
 * The role applications connect as (created by core migration 0001): not an
 * owner, not a superuser, not BYPASSRLS — so row-level security binds it.
 */
export const APP_ROLE = 'custodian_app';
