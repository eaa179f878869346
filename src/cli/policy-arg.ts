import { createPolicy } from '../media/rendition-policy.js';

/** Policies as the server spells them, for help texts. */
export const POLICY_HELP = 'abr (default) | thirds | fixed:HEIGHTp, e.g. fixed:720p';

/**
 * The canonical name of a rendition policy ("abr", "thirds", "fixed:720p"), or
 * undefined when the server would refuse it: checked with the server's own
 * parser, so a typo is a usage error here rather than a BAD_POLICY later.
 */
export function policyName(raw: string): string | undefined {
  try {
    return createPolicy(raw).name;
  } catch {
    return undefined;
  }
}
