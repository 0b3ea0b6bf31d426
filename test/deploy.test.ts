/**
 * The deployment files, checked without a Docker engine or a cluster:
 * - Kubernetes manifests: parsed, validated against the Kubernetes API's JSON schemas (the
 *   `kubernetes-models` validators, plus a strict pass that rejects fields the schema does not know,
 *   as kubeconform -strict does), and checked for what running Parley needs (probes, drain timing,
 *   Pod Security "restricted", selectors that match, SSE-friendly ingress...). The kustomize overlays
 *   are rendered with `kubectl kustomize` and checked the same way (required in CI, skipped with a
 *   message elsewhere when kubectl is missing).
 * - Dockerfile: the `dockerfile-utils` linter (the one behind VS Code's Dockerfile support) and
 *   explicit rules (multi-stage, pinned base, non-root, HEALTHCHECK, no secrets...).
 * - compose.yaml, .env.example and the GitHub Actions workflow: parsed and checked.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser, Env, type Instruction } from 'dockerfile-ast';
import { ValidationSeverity, validate as validateDockerfile } from 'dockerfile-utils';
import dotenv from 'dotenv';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseConfig } from '../src/server/config.js';

const root = path.resolve(import.meta.dirname, '..');
const k8sDir = path.join(root, 'deploy/k8s');
const baseDir = path.join(k8sDir, 'base');
const overlaysDir = path.join(k8sDir, 'overlays');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

// ---- YAML and schemas ----------------------------------------------------------------------------

/** Every document of a YAML stream; a syntax error fails with the file name. */
function yamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => {
      expect(
        doc.errors.map((e) => e.message),
        `YAML errors in ${source}`,
      ).toEqual([]);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

function manifests(text: string, source: string): K8sObject[] {
  return yamlDocuments(text, source).map((doc) => {
    const obj = doc as K8sObject;
    expect(typeof obj.apiVersion, `${source}: apiVersion`).toBe('string');
    expect(typeof obj.kind, `${source}: kind`).toBe('string');
    expect(obj.metadata?.name, `${source}: ${obj.kind} metadata.name`).toMatch(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    );
    return obj;
  });
}

type ValidateFn = (this: unknown) => void;

/** The kubernetes-models validator for an apiVersion/kind (import path = `<apiVersion>/<kind>`). */
async function validatorFor(apiVersion: string, kind: string): Promise<ValidateFn> {
  let mod: Record<string, { prototype: { validate: ValidateFn } } | undefined>;
  try {
    mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
  } catch {
    throw new Error(`no Kubernetes schema for ${apiVersion} ${kind} (unknown or removed API version?)`);
  }
  const model = mod[kind];
  if (!model) throw new Error(`kubernetes-models/${apiVersion}/${kind} exports no ${kind}`);
  return model.prototype.validate;
}

/**
 * Wraps `value` so that every property the schema validator reads is recorded; a property it never
 * reads is a field the schema does not define (a typo such as `readinesProbe`, or a field at the wrong
 * level). Maps (labels, data, resources...) are iterated by the validator and so count as read.
 */
function watchReads(value: unknown, at: string, unread: Array<() => string[]>): unknown {
  if (Array.isArray(value)) return value.map((item, i) => watchReads(item, `${at}/${i}`, unread));
  if (value === null || typeof value !== 'object') return value;
  const target: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) target[key] = watchReads(child, `${at}/${key}`, unread);
  const seen = new Set<string>();
  let iterated = false;
  unread.push(() =>
    (iterated ? [] : Object.keys(target).filter((key) => !seen.has(key))).map((k) => `${at}/${k}`),
  );
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'string') seen.add(key);
      return Reflect.get(t, key, receiver);
    },
    ownKeys(t) {
      iterated = true;
      return Reflect.ownKeys(t);
    },
  });
}

/** Schema errors of one object, unknown fields included (empty when valid). */
async function schemaErrors(obj: K8sObject): Promise<string[]> {
  const validate = await validatorFor(obj.apiVersion, obj.kind);
  const unread: Array<() => string[]> = [];
  const errors: string[] = [];
  try {
    validate.call(watchReads(obj, '', unread));
  } catch (error) {
    errors.push((error as Error).message);
  }
  for (const field of unread.flatMap((list) => list())) errors.push(`unknown field ${field}`);
  return errors.map((e) => `${obj.kind}/${obj.metadata.name}: ${e}`);
}

async function expectSchemaValid(objects: K8sObject[]): Promise<void> {
  const errors = (await Promise.all(objects.map(schemaErrors))).flat();
  expect(errors).toEqual([]);
}

// ---- The manifests --------------------------------------------------------------------------------

function kustomization(dir: string): {
  resources?: string[];
  patches?: Array<{ path?: string; patch?: string }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
} {
  return parseYaml(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
}

/** The base's objects, read from the files its kustomization lists. */
function baseObjects(): K8sObject[] {
  return (kustomization(baseDir).resources ?? []).flatMap((file) =>
    manifests(readFileSync(path.join(baseDir, file), 'utf8'), `base/${file}`),
  );
}

const overlayNames = readdirSync(overlaysDir).filter((name) =>
  existsSync(path.join(overlaysDir, name, 'kustomization.yaml')),
);

function find<T>(objects: K8sObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind}/${name} is missing`).toBeDefined();
  return found as T;
}

function all<T>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

/** `selector` (matchLabels) selects a pod with `labels`. */
function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  expect(selector && Object.keys(selector).length, 'a selector must not be empty').toBeTruthy();
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function podLabels(workload: IDeployment | IStatefulSet): Record<string, string> {
  return workload.spec?.template.metadata?.labels ?? {};
}

function podSpec(workload: IDeployment | IStatefulSet): IPodSpec {
  const spec = workload.spec?.template.spec;
  expect(spec).toBeDefined();
  return spec as IPodSpec;
}

function portOf(probe: IProbe | undefined): unknown {
  return probe?.httpGet?.port;
}

/** What Pod Security "restricted" (enforced on the namespace) demands of a pod. */
function expectRestricted(name: string, pod: IPodSpec) {
  expect(pod.hostNetwork ?? false, `${name}: hostNetwork`).toBe(false);
  expect(pod.hostPID ?? false, `${name}: hostPID`).toBe(false);
  expect(pod.hostIPC ?? false, `${name}: hostIPC`).toBe(false);
  expect(pod.volumes?.filter((v) => v.hostPath) ?? [], `${name}: hostPath volumes`).toEqual([]);
  expect(pod.automountServiceAccountToken, `${name}: no API token mounted`).toBe(false);
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const where = `${name}/${c.name}`;
    const runAsNonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    expect(runAsNonRoot, `${where}: runAsNonRoot`).toBe(true);
    const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    expect(uid, `${where}: runAsUser`).toBeGreaterThan(0);
    expect(c.securityContext?.allowPrivilegeEscalation, `${where}: allowPrivilegeEscalation`).toBe(false);
    expect(c.securityContext?.capabilities?.drop, `${where}: capabilities.drop`).toContain('ALL');
    expect(c.securityContext?.capabilities?.add ?? [], `${where}: capabilities.add`).toEqual([]);
    expect(c.securityContext?.privileged ?? false, `${where}: privileged`).toBe(false);
    const seccomp = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
    expect(['RuntimeDefault', 'Localhost'], `${where}: seccompProfile`).toContain(seccomp);
  }
}

function expectContainerBasics(where: string, c: IContainer) {
  expect(c.image, `${where}: image`).toMatch(/^[^:@\s]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
  expect(c.image, `${where}: no :latest`).not.toMatch(/:latest$/);
  expect(c.resources?.requests?.cpu, `${where}: cpu request`).toBeDefined();
  expect(c.resources?.requests?.memory, `${where}: memory request`).toBeDefined();
  expect(c.resources?.limits?.memory, `${where}: memory limit`).toBeDefined();
  expect(c.livenessProbe, `${where}: livenessProbe`).toBeDefined();
  expect(c.readinessProbe, `${where}: readinessProbe`).toBeDefined();
}

/** Milliseconds a preStop `sleep N` (exec or sleep action) holds the pod before SIGTERM. */
function preStopMs(c: IContainer): number {
  const preStop = c.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds * 1000;
  const command = preStop?.exec?.command ?? [];
  expect(command[0], 'preStop runs sleep').toBe('sleep');
  return Number(command[1]) * 1000;
}

interface StackExpectations {
  /** Server pods at rest: the Deployment's `replicas` without an autoscaler, else the HPA minimum. */
  replicas: number;
  /** HPA min replicas, or null when the variant has no autoscaler. */
  hpaMin: number | null;
  bundledDatastores: boolean;
  /** Whether the (placeholder) Secrets are part of the output. */
  secrets: boolean;
  namespace?: string;
}

/** Everything the objects of one variant (the base or a rendered overlay) must satisfy. */
function checkStack(objects: K8sObject[], want: StackExpectations) {
  const kinds = new Set(objects.map((o) => o.kind));
  for (const kind of ['Namespace', 'ServiceAccount', 'ConfigMap', 'Deployment', 'Service', 'Ingress']) {
    expect(kinds, `a ${kind}`).toContain(kind);
  }
  for (const kind of ['PodDisruptionBudget', 'NetworkPolicy']) expect(kinds, `a ${kind}`).toContain(kind);
  const ids = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  expect(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    'duplicate objects',
  ).toEqual([]);

  if (want.namespace) {
    const ns = find<K8sObject>(objects, 'Namespace', want.namespace);
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const o of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name} namespace`).toBe(want.namespace);
    }
  }

  // The server Deployment.
  const deployment = find<IDeployment>(objects, 'Deployment', 'parley');
  const pod = podSpec(deployment);
  const labels = podLabels(deployment);
  // An autoscaler owns the pod count: a `replicas` beside it would reset it on every apply.
  if (want.hpaMin === null) expect(deployment.spec?.replicas).toBe(want.replicas);
  else expect(deployment.spec?.replicas, 'no replicas on a Deployment an HPA scales').toBeUndefined();
  expect(selects(deployment.spec?.selector.matchLabels, labels), 'Deployment selector').toBe(true);
  expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable, 'no capacity dip in rollouts').toBe(0);
  expectRestricted('Deployment/parley', pod);
  const server = pod.containers.find((c) => c.name === 'parley');
  expect(server).toBeDefined();
  const c = server as IContainer;
  expectContainerBasics('parley', c);
  expect(c.ports?.find((p) => p.name === 'http')?.containerPort).toBe(3000);
  expect(c.startupProbe?.httpGet?.path, 'startupProbe').toBe('/healthz');
  expect(c.livenessProbe?.httpGet?.path, 'liveness checks the process, not the database').toBe('/healthz');
  expect(c.readinessProbe?.httpGet?.path, 'readiness checks dependencies').toBe('/readyz');
  for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) expect(portOf(probe)).toBe('http');
  expect(c.securityContext?.readOnlyRootFilesystem, 'read-only root filesystem').toBe(true);
  const tmpMount = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
  expect(tmpMount, 'a writable /tmp').toBeDefined();
  expect(pod.volumes?.find((v) => v.name === tmpMount?.name)?.emptyDir, '/tmp is an emptyDir').toBeDefined();

  // Settings: a ConfigMap and a Secret through envFrom; the drain fits in the grace period.
  const configName = c.envFrom?.find((e) => e.configMapRef)?.configMapRef?.name;
  const secretName = c.envFrom?.find((e) => e.secretRef)?.secretRef?.name;
  expect(configName).toBeDefined();
  expect(secretName).toBeDefined();
  const config = find<IConfigMap>(objects, 'ConfigMap', configName as string);
  expect(config.data?.HOST, 'listens on all interfaces').toBe('0.0.0.0');
  expect(config.data?.PORT).toBe('3000');
  expect(() => parseConfig({ ...config.data }), 'the ConfigMap is a valid Parley config').not.toThrow();
  // The ingress controller is the one proxy in front: a hop count, so X-Forwarded-For entries the
  // client wrote before it are not believed.
  expect(parseConfig({ ...config.data }).trustProxy, 'TRUST_PROXY is a hop count').toBe(1);
  const graceMs = parseConfig({ ...config.data }).shutdownGraceMs;
  const terminationMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
  const preStop = preStopMs(c);
  expect(preStop, 'preStop waits for endpoint removal').toBeGreaterThanOrEqual(3000);
  expect(
    terminationMs,
    'preStop + SHUTDOWN_GRACE_MS + 5 s margin fit in the grace period',
  ).toBeGreaterThanOrEqual(preStop + graceMs + 5000);
  if (want.secrets) {
    const secret = find<ISecret>(objects, 'Secret', secretName as string);
    expect(Object.keys(secret.stringData ?? {})).toEqual(
      expect.arrayContaining(['SESSION_SECRET', 'DATABASE_URL', 'REDIS_URL']),
    );
  } else {
    expect(all<ISecret>(objects, 'Secret'), 'real secrets are created outside git').toEqual([]);
  }

  // Service → Deployment pods; Ingress → Service.
  const service = find<IService>(objects, 'Service', 'parley');
  expect(selects(service.spec?.selector, labels), 'the Service selects the server pods').toBe(true);
  const servicePort = service.spec?.ports?.[0];
  expect(servicePort?.targetPort).toBe('http');
  const ingress = find<IIngress>(objects, 'Ingress', 'parley');
  const annotations = ingress.metadata?.annotations ?? {};
  expect(annotations['nginx.ingress.kubernetes.io/proxy-buffering'], 'SSE is not buffered').toBe('off');
  for (const key of ['proxy-read-timeout', 'proxy-send-timeout']) {
    expect(
      Number(annotations[`nginx.ingress.kubernetes.io/${key}`]),
      `${key} keeps streams open`,
    ).toBeGreaterThanOrEqual(3600);
  }
  const backends = (ingress.spec?.rules ?? [])
    .flatMap((r) => r.http?.paths ?? [])
    .map((p) => p.backend.service);
  expect(backends.length).toBeGreaterThan(0);
  for (const backend of backends) {
    expect(backend?.name).toBe('parley');
    expect(backend?.port?.name ?? backend?.port?.number).toBe(servicePort?.name ?? servicePort?.port);
  }

  // Autoscaler and disruption budget.
  const hpas = all<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
  if (want.hpaMin === null) {
    expect(hpas).toEqual([]);
  } else {
    const hpa = find<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'parley');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec?.scaleTargetRef).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'parley',
    });
    expect(hpa.spec?.minReplicas).toBe(want.hpaMin);
    expect(hpa.spec?.minReplicas, 'pods at rest = HPA minimum').toBe(want.replicas);
    expect(hpa.spec?.maxReplicas).toBeGreaterThan(want.hpaMin);
    expect(hpa.spec?.metrics?.some((m) => m.resource?.name === 'cpu')).toBe(true);
  }
  // Whatever an autoscaler scales leaves its pod count to it (any HPA, any target).
  for (const scaler of hpas) {
    const ref = scaler.spec?.scaleTargetRef;
    const target = objects.find((o) => o.kind === ref?.kind && o.metadata.name === ref?.name) as
      | (K8sObject & { spec?: { replicas?: number } })
      | undefined;
    expect(target, `HPA/${scaler.metadata?.name} targets an object of this variant`).toBeDefined();
    expect(
      target?.spec?.replicas,
      `${ref?.kind}/${ref?.name} is scaled by an HPA: no replicas`,
    ).toBeUndefined();
  }
  const pdb = find<IPodDisruptionBudget>(objects, 'PodDisruptionBudget', 'parley');
  expect(selects(pdb.spec?.selector?.matchLabels, labels), 'the PDB selects the server pods').toBe(true);
  expect(pdb.spec?.maxUnavailable ?? 0, 'a one-pod variant can still be drained').toBeGreaterThan(0);

  // Network policies: ingress from the ingress controller only; egress to DNS and the data stores.
  const policies = all<INetworkPolicy>(objects, 'NetworkPolicy');
  const serverPolicy = policies.find((p) => selects(p.spec?.podSelector?.matchLabels, labels));
  expect(serverPolicy, 'a NetworkPolicy selects the server pods').toBeDefined();
  expect(serverPolicy?.spec?.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
  const from = serverPolicy?.spec?.ingress?.flatMap((rule) => rule.from ?? []) ?? [];
  expect(from.length, 'ingress is restricted to named sources').toBeGreaterThan(0);
  expect(from.every((peer) => peer.namespaceSelector?.matchLabels)).toBe(true);
  const egressPorts = (serverPolicy?.spec?.egress ?? [])
    .flatMap((rule) => rule.ports ?? [])
    .map((p) => p.port);
  expect(egressPorts).toEqual(expect.arrayContaining([53, 5432, 6379, 443]));

  // Bundled PostgreSQL and Redis.
  const statefulSets = all<IStatefulSet>(objects, 'StatefulSet');
  if (!want.bundledDatastores) {
    expect(statefulSets, 'managed data stores: nothing bundled').toEqual([]);
    return;
  }
  expect(statefulSets.map((s) => s.metadata?.name).sort()).toEqual(['parley-postgres', 'parley-redis']);
  for (const set of statefulSets) {
    const name = `StatefulSet/${set.metadata?.name}`;
    const setPod = podSpec(set);
    // One instance each (no replication configured): the autoscaler never scales them.
    expect(set.spec?.replicas, `${name} replicas`).toBe(1);
    expect(selects(set.spec?.selector.matchLabels, podLabels(set)), `${name} selector`).toBe(true);
    const claims = set.spec?.volumeClaimTemplates ?? [];
    expect(claims.length, `${name} volumeClaimTemplates`).toBeGreaterThan(0);
    for (const claim of claims) {
      expect(claim.spec?.resources?.requests?.storage, `${name} storage request`).toBeDefined();
      const mounted = setPod.containers.some((ct) =>
        ct.volumeMounts?.some((m) => m.name === claim.metadata?.name),
      );
      expect(mounted, `${name} mounts its claim`).toBe(true);
    }
    const headless = find<IService>(objects, 'Service', set.spec?.serviceName as string);
    expect(headless.spec?.clusterIP, `${name} has a headless Service`).toBe('None');
    expect(selects(headless.spec?.selector, podLabels(set)), `${name} Service selects its pods`).toBe(true);
    expectRestricted(name, setPod);
    for (const ct of setPod.containers) expectContainerBasics(`${name}/${ct.name}`, ct);
    const setPolicy = policies.find((p) => selects(p.spec?.podSelector?.matchLabels, podLabels(set)));
    expect(setPolicy, `${name}: a NetworkPolicy limits who connects`).toBeDefined();
    const peers = setPolicy?.spec?.ingress?.flatMap((rule) => rule.from ?? []) ?? [];
    expect(peers.length).toBeGreaterThan(0);
    expect(peers.every((peer) => selects(peer.podSelector?.matchLabels, labels))).toBe(true);
    // The server policy lets the server pods reach this data store.
    const allowed = serverPolicy?.spec?.egress?.some((rule) =>
      rule.to?.some((peer) => selects(peer.podSelector?.matchLabels, podLabels(set))),
    );
    expect(allowed, `server egress reaches ${name}`).toBe(true);
  }
}

describe('Kubernetes manifests', () => {
  it('every YAML file under deploy/k8s parses', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.ya?ml$/.test(entry)) files.push(full);
      }
    };
    walk(k8sDir);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) yamlDocuments(readFileSync(file, 'utf8'), path.relative(root, file));
  });

  it('kustomizations reference files that exist, and no manifest is left out', () => {
    for (const dir of [baseDir, ...overlayNames.map((name) => path.join(overlaysDir, name))]) {
      const k = kustomization(dir);
      const where = path.relative(root, dir);
      const referenced = new Set<string>();
      for (const resource of k.resources ?? []) {
        const target = path.join(dir, resource);
        expect(existsSync(target), `${where}: resource ${resource}`).toBe(true);
        if (statSync(target).isDirectory()) {
          expect(
            existsSync(path.join(target, 'kustomization.yaml')),
            `${where}: ${resource} is a kustomization`,
          ).toBe(true);
        }
        referenced.add(path.resolve(target));
      }
      for (const patch of k.patches ?? []) {
        expect(
          Boolean(patch.path) !== Boolean(patch.patch),
          `${where}: a patch has path or inline patch`,
        ).toBe(true);
        if (patch.path) {
          expect(existsSync(path.join(dir, patch.path)), `${where}: patch ${patch.path}`).toBe(true);
          referenced.add(path.resolve(dir, patch.path));
        }
      }
      const orphans = readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
        .filter((f) => !referenced.has(path.resolve(dir, f)));
      expect(orphans, `${where}: files no kustomization uses`).toEqual([]);
    }
    expect(overlayNames).toEqual(expect.arrayContaining(['dev', 'production']));
  });

  it('the base passes the Kubernetes schemas (unknown fields rejected)', async () => {
    await expectSchemaValid(baseObjects());
  });

  it('the schema check catches wrong types and misspelled fields', async () => {
    const deployment = find<IDeployment>(baseObjects(), 'Deployment', 'parley');
    const broken = structuredClone(deployment) as unknown as K8sObject & IDeployment;
    const container = broken.spec?.template.spec?.containers[0] as IContainer & Record<string, unknown>;
    container.readinesProbe = container.readinessProbe;
    (container.ports as unknown as Array<Record<string, unknown>>)[0] = { containerPort: 'three thousand' };
    const errors = await schemaErrors(broken);
    expect(errors.join('\n')).toMatch(/containerPort must be integer/);
    expect(errors.join('\n')).toMatch(/unknown field \/spec\/template\/spec\/containers\/0\/readinesProbe/);
  });

  it('the base runs Parley safely: probes, drain, resources, restricted pods, matching selectors', () => {
    checkStack(baseObjects(), { replicas: 2, hpaMin: 2, bundledDatastores: true, secrets: true });
  });

  it("the placeholder secrets agree with the bundled data stores' passwords and services", () => {
    const objects = baseObjects();
    const app = find<ISecret>(objects, 'Secret', 'parley-secrets').stringData ?? {};
    const stores = find<ISecret>(objects, 'Secret', 'parley-datastores').stringData ?? {};
    const db = new URL(app.DATABASE_URL ?? '');
    const redis = new URL(app.REDIS_URL ?? '');
    expect(db.password).toBe(stores.POSTGRES_PASSWORD);
    expect(redis.password).toBe(stores.REDIS_PASSWORD);
    const postgres = find<IStatefulSet>(objects, 'StatefulSet', 'parley-postgres');
    const redisSet = find<IStatefulSet>(objects, 'StatefulSet', 'parley-redis');
    expect(db.hostname).toBe(postgres.spec?.serviceName);
    expect(redis.hostname).toBe(redisSet.spec?.serviceName);
    const env = podSpec(postgres).containers[0]?.env ?? [];
    expect(db.username).toBe(env.find((e) => e.name === 'POSTGRES_USER')?.value);
    expect(db.pathname).toBe(`/${env.find((e) => e.name === 'POSTGRES_DB')?.value}`);
    expect(() => parseConfig({ ...app }), 'the Secret holds valid Parley settings').not.toThrow();
  });
});

// ---- Rendered overlays (kubectl kustomize) -------------------------------------------------------

const kubectl = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
const hasKubectl = kubectl.status === 0;
const inCI = Boolean(process.env.CI);
if (!hasKubectl && !inCI) {
  console.warn(
    '[deploy.test] kubectl not found: rendering the kustomize overlays is skipped. Install kubectl ' +
      '(it bundles kustomize) to run those checks; CI requires it.',
  );
}

function render(overlay: string): K8sObject[] {
  if (!hasKubectl)
    throw new Error('kubectl (with its built-in kustomize) is required in CI to render overlays');
  const out = execFileSync('kubectl', ['kustomize', path.join(overlaysDir, overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return manifests(out, `overlays/${overlay} (rendered)`);
}

const variants: Record<string, StackExpectations> = {
  dev: { replicas: 1, hpaMin: null, bundledDatastores: true, secrets: true, namespace: 'parley' },
  production: { replicas: 3, hpaMin: 3, bundledDatastores: true, secrets: false, namespace: 'parley' },
  'production-managed': {
    replicas: 3,
    hpaMin: 3,
    bundledDatastores: false,
    secrets: false,
    namespace: 'parley',
  },
};

describe.skipIf(!hasKubectl && !inCI)('kustomize overlays, rendered with kubectl', () => {
  it('every overlay has its expectations here', () => {
    expect(overlayNames.sort()).toEqual(Object.keys(variants).sort());
  });

  for (const [overlay, want] of Object.entries(variants)) {
    it(`${overlay}: renders, passes the schemas and runs Parley safely`, async () => {
      const objects = render(overlay);
      await expectSchemaValid(objects);
      checkStack(objects, want);
      const image = podSpec(find<IDeployment>(objects, 'Deployment', 'parley')).containers[0]?.image;
      const set = kustomization(path.join(overlaysDir, overlay)).images?.[0];
      if (set) expect(image).toBe(`${set.newName ?? 'parley'}:${set.newTag}`);
    });
  }

  it('production sets the public https URL and keeps the ingress host in step', () => {
    for (const overlay of ['production', 'production-managed']) {
      const objects = render(overlay);
      const publicUrl = find<IConfigMap>(objects, 'ConfigMap', 'parley-config').data?.PUBLIC_URL;
      expect(publicUrl).toMatch(/^https:\/\//);
      const ingress = find<IIngress>(objects, 'Ingress', 'parley');
      expect(ingress.spec?.rules?.[0]?.host).toBe(new URL(publicUrl as string).hostname);
      expect(ingress.spec?.tls?.[0]?.hosts).toContain(new URL(publicUrl as string).hostname);
    }
  });
});

// ---- Dockerfile ---------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const args = new Map(
    dockerfile.getInitialARGs().flatMap((arg) => {
      const property = arg.getProperty();
      return property ? [[property.getName(), property.getValue() ?? '']] : [];
    }),
  );
  const expand = (value: string) =>
    value.replace(/\$\{?(\w+)\}?/g, (_, name: string) => args.get(name) ?? '');
  // Instructions grouped by build stage.
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  const runtime = stages.at(-1) ?? [];
  const argsOf = (list: Instruction[], keyword: string) =>
    list.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

  it('passes the dockerfile-utils linter with every rule on', () => {
    const on = ValidationSeverity.WARNING;
    const problems = validateDockerfile(text, {
      deprecatedMaintainer: on,
      directiveCasing: on,
      emptyContinuationLine: on,
      instructionCasing: on,
      instructionCmdMultiple: on,
      instructionEntrypointMultiple: on,
      instructionHealthcheckMultiple: on,
      instructionJSONInSingleQuotes: on,
      instructionWorkdirRelative: on,
    });
    expect(problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`)).toEqual([]);
  });

  it('builds and runs on Node 24 LTS (Node 20 reached end of life on 2026-04-30)', () => {
    for (const stage of stages) {
      const image = expand((stage[0]?.getArgumentsContent() ?? '').split(/\s+/)[0] ?? '');
      if (image.startsWith('node:')) expect(image).toMatch(/^node:24-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it('is multi-stage on a pinned base image, and compiles with npm ci', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const stageNames = new Set<string>();
    for (const stage of stages) {
      const from = (stage[0]?.getArgumentsContent() ?? '').split(/\s+/);
      const image = expand(from[0] ?? '');
      const alias = from[2];
      if (alias) stageNames.add(alias);
      if (stageNames.has(image)) continue; // FROM an earlier stage
      expect(image, 'a tagged or digest-pinned base image').toMatch(
        /^[\w./-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/,
      );
      expect(image).toMatch(/[:@]/);
      expect(image, 'no :latest').not.toMatch(/:latest(@|$)/);
    }
    const runs = instructions
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent() ?? '');
    expect(runs.join('\n')).toMatch(/npm_config_build_from_source=true npm ci\b/);
    expect(runs.join('\n'), 'npm ci, never npm install').not.toMatch(/npm (install|i)\b/);
    expect(runs.join('\n')).toMatch(/npm run build\b/);
    expect(runs.join('\n'), 'dev dependencies stay out of the runtime').toMatch(/--omit=dev/);
    for (const run of runs.filter((r) => r.includes('apt-get install'))) {
      expect(run, 'apt-get install -y --no-install-recommends').toMatch(/-y --no-install-recommends/);
      expect(run, 'apt lists removed in the same layer').toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    }
    expect(
      instructions.filter((i) => i.getKeyword() === 'ADD'),
      'COPY, not ADD',
    ).toEqual([]);
  });

  it('runs as a non-root user, listens on 0.0.0.0:3000, keeps data in a volume and checks its health', () => {
    const user = argsOf(runtime, 'USER').at(-1) ?? '';
    expect(user, 'a USER in the runtime stage').not.toBe('');
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    const env = runtime
      .filter((i): i is Env => i instanceof Env)
      .flatMap((i) => i.getProperties())
      .map((p) => [p.getName(), p.getValue() ?? ''] as const);
    const envMap = Object.fromEntries(env);
    expect(envMap.HOST).toBe('0.0.0.0');
    expect(envMap.DATABASE_URL).toBe('sqlite:/data/parley.db');
    expect(() => parseConfig(envMap), 'the image defaults are valid settings').not.toThrow();
    expect(argsOf(runtime, 'EXPOSE')).toEqual(['3000']);
    expect(argsOf(runtime, 'VOLUME')).toEqual(['/data']);
    expect(argsOf(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    const healthcheck = argsOf(runtime, 'HEALTHCHECK').join(' ');
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*\/healthz/);
    expect(argsOf(runtime, 'CMD')).toEqual(['["node", "dist/server/main.js"]']);
  });

  it('carries no secrets', () => {
    const secretish = /(SECRET|TOKEN|PASSWORD|API_KEY|PRIVATE_KEY)/i;
    for (const i of instructions.filter((i) => ['ENV', 'ARG'].includes(i.getKeyword()))) {
      expect(i.getArgumentsContent() ?? '', `line ${i.getRange().start.line + 1}`).not.toMatch(secretish);
    }
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['.env', '.env.*', '.git', 'node_modules', 'data', '*.db', 'dist']) {
      expect(ignored, `.dockerignore lists ${entry}`).toContain(entry);
    }
  });
});

// ---- compose.yaml ---------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: unknown;
  env_file?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
  volumes?: string[];
  ports?: string[];
  stop_grace_period?: string;
}

describe('compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml')) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };
  const services = compose.services;

  it('runs parley, postgres and redis, each with a healthcheck', () => {
    expect(Object.keys(services).sort()).toEqual(['parley', 'postgres', 'redis']);
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, `${name} healthcheck`).toBeDefined();
    }
    expect(services.postgres?.image).toMatch(/^postgres:16\b/);
    expect(services.redis?.image).toMatch(/^redis:7\b/);
    expect(services.parley?.build).toBeDefined();
    expect(JSON.stringify(services.parley?.healthcheck?.test)).toMatch(/\/readyz/);
  });

  it('starts parley only once its dependencies are healthy', () => {
    expect(services.parley?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  it('keeps data in named volumes, so history survives down/up', () => {
    const named = Object.keys(compose.volumes ?? {});
    for (const [name, target] of [
      ['postgres', '/var/lib/postgresql/data'],
      ['redis', '/data'],
      ['parley', '/data'],
    ] as const) {
      const mounts = services[name]?.volumes ?? [];
      const mount = mounts.find((m) => m.split(':')[1] === target);
      expect(mount, `${name} mounts ${target}`).toBeDefined();
      expect(named, `${name}'s volume is a named volume`).toContain(mount?.split(':')[0]);
    }
  });

  it('takes settings and secrets from .env and wires the services together', () => {
    expect(services.parley?.env_file).toBe('.env');
    const env = services.parley?.environment ?? {};
    expect(env.DATABASE_URL).toMatch(
      /^postgres:\/\/parley:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/parley$/,
    );
    expect(env.REDIS_URL).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/);
    expect(env.SESSION_SECRET).toMatch(/^\$\{SESSION_SECRET:\?/);
    expect(env.HOST).toBe('0.0.0.0');
    // No literal secret anywhere in the file: every password is interpolated from .env.
    expect(read('compose.yaml')).not.toMatch(/^\s*[A-Z_]*(PASSWORD|SECRET)[A-Z_]*:\s*(?!\$\{)\S/m);
    // Published on loopback with no proxy by default: X-Forwarded-For is the client's to forge, so
    // no proxy is trusted (TRUST_PROXY from .env, false in .env.example).
    expect(env.TRUST_PROXY).toBeUndefined();
    expect(services.parley?.ports?.[0]).toMatch(/^\$\{PARLEY_PUBLISH:-127\.0\.0\.1:3000\}:3000$/);
    expect(parseConfig(dotenv.parse(read('.env.example'))).trustProxy).toBe(false);
    expect(read('.env.example')).not.toMatch(/^#?\s*TRUST_PROXY=true/m);
    const graceSeconds = Number.parseInt(services.parley?.stop_grace_period ?? '10', 10);
    expect(graceSeconds * 1000, 'stop_grace_period covers SHUTDOWN_GRACE_MS').toBeGreaterThan(
      parseConfig({}).shutdownGraceMs,
    );
  });
});

// ---- .env.example ---------------------------------------------------------------------------------

describe('.env.example', () => {
  const text = read('.env.example');
  const values = dotenv.parse(text);
  // Every name mentioned, set or commented out (`# NAME=`).
  const documented = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));

  it('is a valid Parley configuration as it stands', () => {
    expect(() => parseConfig(values)).not.toThrow();
    expect(values.SESSION_SECRET, 'no shipped secret').toBe('');
    expect(values.POSTGRES_PASSWORD).toBe('');
    expect(values.REDIS_PASSWORD).toBe('');
  });

  it('documents every setting that config.ts reads', () => {
    // config.ts hands the standard OTEL_* settings to otel-settings.ts.
    const source = read('src/server/config.ts') + read('src/server/otel-settings.ts');
    const names = [...source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'(?:, [^)]*?'([A-Z][A-Z0-9_]+)')?/g)].flatMap(
      (m) => [m[1], m[2]].filter((n): n is string => Boolean(n)),
    );
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n) => !documented.has(n))).toEqual([]);
  });

  it("documents every setting in README.md's settings tables", () => {
    const readme = read('README.md');
    const start = readme.indexOf('## Settings');
    const end = readme.indexOf('\n## ', start + 1);
    const rows = readme
      .slice(start, end === -1 ? undefined : end)
      .split('\n')
      .filter((line) => line.startsWith('|'));
    const names = rows.flatMap((row) =>
      [...row.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map((m) => m[1] as string),
    );
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !documented.has(n))).toEqual([]);
  });
});

// ---- GitHub Actions workflow ------------------------------------------------------------------------

describe('.github/workflows/ci.yml', () => {
  interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
  }
  interface Job {
    steps: Step[];
    services?: Record<string, { image: string; options?: string }>;
    env?: Record<string, string>;
    permissions?: unknown;
    strategy?: { matrix?: Record<string, unknown> };
    container?: string;
  }
  const workflow = parseYaml(read('.github/workflows/ci.yml')) as {
    on: unknown;
    permissions: unknown;
    jobs: Record<string, Job>;
  };
  const jobs = workflow.jobs;
  const text = (job: Job | undefined) => JSON.stringify(job?.steps ?? []);

  it('has least-privilege permissions', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries(jobs)) {
      expect(job.permissions, `${name} asks for no more`).toBeUndefined();
    }
  });

  it('pins every action to a commit SHA, naming its release in a comment', () => {
    const lines = read('.github/workflows/ci.yml')
      .split('\n')
      .filter((line) => /^\s*(-\s+)?uses:/.test(line));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      // A tag (`@v4`) can be moved to other code; a full commit SHA cannot.
      expect(line.trim(), 'uses: owner/action@<40-hex SHA> # vX.Y.Z').toMatch(
        /^(-\s+)?uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+\.\d+\.\d+$/,
      );
    }
  });

  it('lints and typechecks on Node 24, tests on both LTS lines (22 and 24), builds the image, with the npm cache', () => {
    expect(Object.keys(jobs)).toEqual(expect.arrayContaining(['lint', 'typecheck', 'test', 'image']));
    expect(text(jobs.lint)).toMatch(/biome (ci|check)/);
    expect(text(jobs.typecheck)).toMatch(/tsc --noEmit/);
    expect(text(jobs.test)).toMatch(/npm test/);
    expect(text(jobs.image)).toMatch(/docker\/build-push-action|docker build/);
    for (const name of ['lint', 'typecheck']) {
      const setup = jobs[name]?.steps.find((s) => s.uses?.startsWith('actions/setup-node'));
      expect(setup?.with, `${name} sets up Node 24 with the npm cache`).toMatchObject({
        'node-version': 24,
        cache: 'npm',
      });
    }
    // Node 20 reached end of life on 2026-04-30: the suite runs on the supported LTS lines.
    expect(jobs.test?.strategy?.matrix?.node).toEqual([22, 24]);
    // A GitHub Actions expression, not a JavaScript template.
    const matrixNode = ['$', '{{ matrix.node }}'].join('');
    expect(jobs.test?.container).toBe(`node:${matrixNode}-bookworm`);
    const testSetup = jobs.test?.steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    expect(testSetup?.with).toMatchObject({ 'node-version': matrixNode, cache: 'npm' });
    for (const name of ['lint', 'typecheck', 'test']) expect(text(jobs[name])).toMatch(/npm ci/);
    const build = jobs.image?.steps.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.with?.push, 'the image is built, not pushed').toBe(false);
  });

  it('tests against PostgreSQL and Redis service containers, with Chromium for browser tests', () => {
    const test = jobs.test;
    expect(test?.services?.postgres?.image).toMatch(/^postgres:16/);
    expect(test?.services?.redis?.image).toMatch(/^redis:7/);
    expect(test?.services?.postgres?.options).toMatch(/--health-cmd/);
    expect(test?.services?.redis?.options).toMatch(/--health-cmd/);
    expect(test?.env?.DATABASE_TEST_URL).toMatch(/^postgres:\/\//);
    expect(test?.env?.REDIS_TEST_URL).toMatch(/^redis:\/\//);
    expect(text(test)).toMatch(/apt-get install -y[^"]* chromium/);
    expect(text(test), 'kubectl for the deployment suite').toMatch(/setup-kubectl|kubectl/);
  });
});

// ---- Docs ---------------------------------------------------------------------------------------------

describe('deployment docs', () => {
  it('README links docs/deployment.md, which covers compose and every overlay', () => {
    expect(read('README.md')).toMatch(/\]\(docs\/deployment\.md\)/);
    const doc = read('docs/deployment.md');
    expect(doc).toMatch(/docker compose up/);
    for (const overlay of overlayNames) expect(doc).toContain(`deploy/k8s/overlays/${overlay}`);
  });
});
