// What `zbak cron` prints and installs. SmartOS's global zone keeps / in a ramdisk: root's
// crontab is rebuilt at each boot, so the entries live in /opt/custom/zbak/crontab and an SMF
// service from /opt/custom/smf (which SmartOS imports at boot) merges them into root's crontab.
// Pure: the paths of node, zbak and the config come from the caller.

export const CRON_FILE = '/opt/custom/zbak/crontab';
export const CRON_BOOT_SCRIPT = '/opt/custom/zbak/cron-boot.sh';
export const SMF_MANIFEST = '/opt/custom/smf/zbak-cron.xml';
/** Marks zbak's lines in root's crontab, so a re-install replaces exactly them. */
export const CRON_MARK = '# zbak-job';

/** cron runs with a bare PATH; zbak needs vmadm, zfs and imgadm from /usr/sbin. */
const CRON_PATH = '/usr/sbin:/usr/bin:/sbin:/opt/local/bin:/opt/tools/bin';

export interface CronTarget {
  node: string;
  zbakMain: string;
  configPath: string;
}

/** Shell-safe as one word: cron hands the line to sh, so every path must be plain. */
const SAFE_WORD = /^[A-Za-z0-9_./:@+-]+$/;

export function crontabLines(jobs: ReadonlyArray<[string, { schedule: string }]>, t: CronTarget): string[] {
  for (const [what, value] of [['node', t.node], ['zbak', t.zbakMain], ['config', t.configPath]] as const) {
    if (!SAFE_WORD.test(value)) throw new Error(`the ${what} path '${value}' has characters cron's shell would interpret; install zbak under a plain path`);
  }
  return jobs.map(([name, job]) => `${job.schedule} /usr/bin/env PATH=${CRON_PATH} ${t.node} ${t.zbakMain} run ${name} --config ${t.configPath} ${CRON_MARK} ${name}`);
}

/** Run at boot by the SMF service (and by `zbak cron --install`): root's crontab without old zbak lines, plus ours. */
export function cronBootScript(): string {
  return `#!/bin/sh
# Written by zbak cron --install. Merges ${CRON_FILE} into root's crontab (SmartOS
# rebuilds / at boot, so the SMF service zbak-cron runs this each boot).
set -e
tmp=/tmp/zbak-crontab.$$
crontab -l root 2>/dev/null | grep -v '${CRON_MARK}' > "$tmp" || true
cat ${CRON_FILE} >> "$tmp"
crontab "$tmp"
rm -f "$tmp"
`;
}

export function smfManifest(): string {
  return `<?xml version="1.0"?>
<!DOCTYPE service_bundle SYSTEM "/usr/share/lib/xml/dtd/service_bundle.dtd.1">
<!-- Written by zbak cron --install: puts zbak's nightly jobs back into root's crontab at boot. -->
<service_bundle type="manifest" name="zbak-cron">
  <service name="site/zbak-cron" type="service" version="1">
    <create_default_instance enabled="true"/>
    <single_instance/>
    <dependency name="filesystem" grouping="require_all" restart_on="none" type="service">
      <service_fmri value="svc:/system/filesystem/local"/>
    </dependency>
    <dependency name="cron" grouping="require_all" restart_on="none" type="service">
      <service_fmri value="svc:/system/cron"/>
    </dependency>
    <exec_method type="method" name="start" exec="/bin/sh ${CRON_BOOT_SCRIPT}" timeout_seconds="60"/>
    <exec_method type="method" name="stop" exec=":true" timeout_seconds="60"/>
    <property_group name="startd" type="framework">
      <propval name="duration" type="astring" value="transient"/>
    </property_group>
    <stability value="Unstable"/>
    <template>
      <common_name><loctext xml:lang="C">zbak nightly jobs in root's crontab</loctext></common_name>
    </template>
  </service>
</service_bundle>
`;
}
