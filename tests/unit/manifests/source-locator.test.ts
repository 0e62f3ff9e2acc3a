import {
  SourceIndex,
  indexSources,
  locateImageEntry,
} from '../../../gitops/lint/source-locator.js';

const deployment = [
  '# a comment',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: sidecar',
  '          image: side',
  '        - name: app',
  '          image: app',
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  type: ClusterIP',
].join('\n');

const patch = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  type: NodePort',
  '  ports: []',
].join('\n');

describe('source locator', () => {
  const index = new SourceIndex(
    indexSources([
      { file: 'overlays/dev/service-patch.yaml', text: patch },
      { file: 'deploy/app.yaml', text: deployment },
    ]),
  );

  it('points at the container, matched by name, in the file that defines it', () => {
    const loc = index.locate({
      kind: 'Deployment',
      name: 'web',
      path: ['spec', 'template', 'spec', 'containers', { name: 'app' }],
    });
    expect(loc).toEqual({ file: 'deploy/app.yaml', line: 12, column: 11 });
  });

  it('falls back to the deepest part of the path that exists', () => {
    const loc = index.locate({
      kind: 'Deployment',
      name: 'web',
      path: ['spec', 'template', 'spec', 'containers', { name: 'app' }, 'readinessProbe'],
    });
    expect(loc?.line).toBe(12);
  });

  it('prefers the document that writes more of the path, then the first listed', () => {
    expect(index.locate({ kind: 'Service', name: 'web', path: ['spec', 'ports'] })).toMatchObject({
      file: 'overlays/dev/service-patch.yaml',
      line: 7,
    });
    expect(index.locate({ kind: 'Service', name: 'web', path: ['spec', 'type'] })?.file).toBe(
      'overlays/dev/service-patch.yaml',
    );
  });

  it('returns undefined for an object no source defines', () => {
    expect(index.locate({ kind: 'ConfigMap', name: 'web', path: [] })).toBeUndefined();
  });

  it('finds the images entry by newName or name', () => {
    const k = [
      'resources: [../base]',
      'images:',
      '  - name: other',
      '    newTag: v1',
      '  - name: app',
      '    newName: reg/app',
      '    newTag: x',
    ].join('\n');
    expect(locateImageEntry(k, 'reg/app')).toEqual({ line: 5, column: 5 });
    expect(locateImageEntry(k, 'other')).toEqual({ line: 3, column: 5 });
    expect(locateImageEntry(k, 'missing')).toBeUndefined();
  });
});
