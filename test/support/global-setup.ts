/** Jest globalSetup for the integration and e2e projects (the lead extends it: migrations, template DB). */
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
}
