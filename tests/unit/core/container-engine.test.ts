import { engineVariables } from '../../../gitops/adapters/container-engine.js';

const PODMAN = '/run/podman/podman.sock';
const DOCKER = '/var/run/docker.sock';
const present =
  (...paths: string[]) =>
  (p: string): boolean =>
    paths.includes(p);

describe('engineVariables: which engine the docker CLI talks to', () => {
  it("podman's socket when nothing else names an engine", () => {
    expect(engineVariables({}, present(PODMAN))).toEqual({
      DOCKER_HOST: `unix://${PODMAN}`,
      DOCKER_API_VERSION: '1.41',
    });
  });

  it('keeps an API version the user set', () => {
    expect(engineVariables({ DOCKER_API_VERSION: '1.43' }, present(PODMAN))).toEqual({
      DOCKER_HOST: `unix://${PODMAN}`,
    });
  });

  it('respects DOCKER_HOST and DOCKER_CONTEXT as set', () => {
    expect(engineVariables({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, present(PODMAN))).toEqual({});
    expect(engineVariables({ DOCKER_CONTEXT: 'remote' }, present(PODMAN))).toEqual({});
  });

  it("leaves Docker's own socket to the docker CLI's default", () => {
    expect(engineVariables({}, present(DOCKER, PODMAN))).toEqual({});
  });

  it('sets nothing when no engine socket exists (the error then says to run setup)', () => {
    expect(engineVariables({}, present())).toEqual({});
  });
});
