/**
 * Expectations loadHubConfig does not meet yet (kept apart so the lead can decide).
 */
import { ConfigError, loadHubConfig } from './hub-config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadHubConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadHubConfig — edge cases', () => {
  /**
   * hub-config.ts checks the DATABASE_URL/AMQP_URL pairing (and the embedded roles) only after
   * the schema parse succeeded, so an environment with a bad PORT and only DATABASE_URL is
   * refused twice in a row; the module comment promises "every problem is reported at once".
   */
  it('reports a bad variable and the missing AMQP_URL in the same ConfigError', () => {
    const problems = problemsOf({ PORT: 'abc', DATABASE_URL: 'postgres://db/hub' });
    expect(problems).toContainEqual(expect.stringMatching(/^PORT: /));
    expect(problems).toContainEqual(expect.stringMatching(/DATABASE_URL and AMQP_URL/));
  });

  /**
   * The embedded default must run api, worker and scheduler in one process, but the check counts
   * list entries (`HUB_ROLES.length < 3`), so a repeated role passes it and the worker and
   * scheduler never start.
   */
  it('the embedded default refuses HUB_ROLES=api,api,api (worker and scheduler missing)', () => {
    expect(problemsOf({ HUB_ROLES: 'api,api,api' })).toEqual([expect.stringMatching(/^HUB_ROLES/)]);
  });
});
