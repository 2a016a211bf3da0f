// The zone the demo and the end-to-end tests build on a fake host: a joyent
// zone on an incremental image (base -> webapp), a delegated dataset with a
// child, files, and user snapshots between the origin and the save.
import type { FakeSmartOS } from './fake-smartos.js';

export const BASE_IMAGE = 'f9f08f51-bd01-4f30-be77-7d8ba526ad2b';
export const WEBAPP_IMAGE = '39665d70-e5f6-48b5-9000-9b650ef7cd06';
export const ZONE_UUID = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';

export async function createImages(host: FakeSmartOS): Promise<void> {
  await host.createImage({
    uuid: BASE_IMAGE,
    name: 'base-64-lts',
    version: '24.4.1',
    type: 'zone-dataset',
    files: { 'root/etc/release': 'SmartOS base-64-lts 24.4.1\n', 'root/opt/local/bin/pkgin': '#!/bin/sh\necho pkgin\n' },
  });
  await host.createImage({
    uuid: WEBAPP_IMAGE,
    name: 'webapp-base',
    version: '1.0.0',
    type: 'zone-dataset',
    origin: BASE_IMAGE,
    files: { 'root/opt/local/etc/nginx.conf': 'worker_processes 2;\n' },
  });
}

export async function createDemoZone(host: FakeSmartOS, opts: { autoboot?: boolean } = {}): Promise<string> {
  const uuid = await host.createZone({
    uuid: ZONE_UUID,
    brand: 'joyent',
    alias: 'web01',
    hostname: 'web01',
    image_uuid: WEBAPP_IMAGE,
    autoboot: opts.autoboot ?? true,
    quota: 10,
    max_physical_memory: 512,
    delegate_dataset: true,
    zfs_data_compression: 'lz4',
    customer_metadata: { 'user-script': '#!/bin/sh\nsvcadm enable nginx\n' },
    tags: { role: 'web' },
    nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.21', netmask: '255.255.255.0', mac: '90:b8:d0:3c:1a:52' }],
  });
  const root = `/zones/${uuid}`;
  await host.writeFiles(root, { 'root/var/www/index.html': '<h1>v1</h1>\n', 'root/etc/motd': 'hello\n' });
  await host.must(['zfs', 'snapshot', `zones/${uuid}@before-upgrade`]);
  await host.writeFiles(root, { 'root/var/www/index.html': '<h1>v2</h1>\n', 'root/var/log/app.log': 'upgraded\n' });
  await host.must(['zfs', 'snapshot', `zones/${uuid}@after-upgrade`]);
  await host.writeFiles(root, { 'root/var/log/app.log': 'upgraded\nrunning\n' });
  // A child dataset the zone created under its delegated dataset, with its own snapshot.
  await host.must(['zfs', 'create', `zones/${uuid}/data/pgdata`]);
  await host.must(['zfs', 'snapshot', `zones/${uuid}/data/pgdata@pre-vacuum`]);
  return uuid;
}
