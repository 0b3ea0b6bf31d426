import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../../src/web/api.js';
import { attachmentsOfParts, useAttachments } from '../../src/web/hooks/use-attachments.js';
import { useRunActions } from '../../src/web/hooks/use-run-actions.js';
import { fakeFetch, installBrowser, json, message, renderHook, route, run, settle } from './hook-harness.js';

// A draft's attachments: each file uploads at once (with progress), errors show the server's words,
// removing deletes our upload, at most 10 files, 3 uploads at a time, and the send carries the ids.

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
  FakeXhr.all = [];
});

/** The browser's XMLHttpRequest as the upload uses it; the test answers each request by hand. */
class FakeXhr {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  responseText = '';
  withCredentials = false;
  aborted = false;
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  send(body: FormData) {
    this.body = body;
    FakeXhr.all.push(this);
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  /** The file's name as the multipart field `file` carries it. */
  fileName() {
    return (this.body?.get('file') as File | null)?.name;
  }
  progress(loaded: number, total: number) {
    return act(async () => {
      this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
    });
  }
  respond(status: number, body: unknown) {
    return act(async () => {
      this.status = status;
      this.responseText = JSON.stringify(body);
      this.onload?.();
    });
  }
}

const file = (name: string, type = 'image/png', bytes = 1234) =>
  new File([new Uint8Array(bytes)], name, { type });

const stored = (id: string, name: string, mediaType = 'image/png', size = 1234) => ({
  id,
  name,
  mediaType,
  size,
  createdAt: '2026-01-01T00:00:00.000Z',
});

function setUp() {
  installBrowser();
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
}

describe('useAttachments', () => {
  it('uploads a file at once with the upload and CSRF headers, shows its progress, then its preview', async () => {
    setUp();
    setCsrfToken('csrf-1');
    const hook = await renderHook(() => useAttachments());
    await run(() => hook.current().add([file('chart.png')]));
    const [xhr] = FakeXhr.all;
    expect(xhr?.method).toBe('POST');
    expect(xhr?.url).toBe('/api/files');
    expect(xhr?.headers).toMatchObject({ 'x-parley-upload': '1', 'x-csrf-token': 'csrf-1' });
    expect(xhr?.fileName()).toBe('chart.png');
    expect(hook.current().items[0]).toMatchObject({ name: 'chart.png', status: 'uploading', progress: 0 });
    expect(hook.current().uploading).toBe(true);

    await xhr?.progress(617, 1234);
    expect(hook.current().items[0]?.progress).toBe(0.5);
    expect(hook.current().fileIds).toEqual([]);

    await xhr?.respond(201, stored('f1', 'chart.png'));
    expect(hook.current().items[0]).toMatchObject({
      status: 'ready',
      fileId: 'f1',
      thumbnail: '/api/files/f1/preview',
    });
    expect(hook.current().uploading).toBe(false);
    expect(hook.current().fileIds).toEqual(['f1']);
    expect(hook.current().hasImage).toBe(true);
  });

  it('shows the server’s sentence for a refused upload (413) and sends without it', async () => {
    setUp();
    const hook = await renderHook(() => useAttachments());
    await run(() =>
      hook.current().add([file('huge.pdf', 'application/pdf'), file('notes.txt', 'text/plain')]),
    );
    const [huge, notes] = FakeXhr.all;
    await huge?.respond(413, { error: 'This file is over the 20 MB limit.', code: 'payload_too_large' });
    await notes?.respond(201, stored('f2', 'notes.txt', 'text/plain', 12));
    expect(hook.current().items.map((item) => [item.name, item.status, item.error])).toEqual([
      ['huge.pdf', 'error', 'This file is over the 20 MB limit.'],
      ['notes.txt', 'ready', undefined],
    ]);
    expect(hook.current().uploading).toBe(false);
    expect(hook.current().fileIds).toEqual(['f2']);
    expect(hook.current().hasImage).toBe(false);
  });

  it('removes: aborts an upload in flight, deletes an uploaded file, and never deletes a sent message’s file', async () => {
    setUp();
    const net = fakeFetch(route('DELETE', /^\/api\/files\//, () => new Response(null, { status: 204 })));
    const sent = attachmentsOfParts([
      {
        type: 'file',
        fileId: 'old',
        mediaType: 'application/pdf',
        filename: 'a.pdf',
        size: 9,
        url: '/api/files/old',
      },
    ]);
    const hook = await renderHook(() => useAttachments(sent));
    await run(() => hook.current().add([file('one.png'), file('two.png')]));
    const [one, two] = FakeXhr.all;
    await one?.respond(201, stored('f1', 'one.png'));
    expect(hook.current().fileIds).toEqual(['old', 'f1']);

    const keyOf = (name: string) => hook.current().items.find((item) => item.name === name)?.key ?? '';
    await run(() => hook.current().remove(keyOf('two.png')));
    expect(two?.aborted).toBe(true);
    await run(() => hook.current().remove(keyOf('one.png')));
    await run(() => hook.current().remove(keyOf('a.pdf')));
    expect(hook.current().items).toEqual([]);
    expect(net.requests()).toEqual(['DELETE /api/files/f1']);
  });

  it('takes at most 10 files and uploads 3 at a time (the server refuses more)', async () => {
    setUp();
    const hook = await renderHook(() => useAttachments());
    const twelve = Array.from({ length: 12 }, (_, i) => file(`page-${i + 1}.txt`, 'text/plain', 10));
    await run(() => hook.current().add(twelve));
    expect(hook.current().items).toHaveLength(10);
    expect(hook.current().notice).toBe('A message can carry at most 10 files: 2 not added.');
    expect(hook.current().full).toBe(true);
    expect(FakeXhr.all.map((xhr) => xhr.fileName())).toEqual(['page-1.txt', 'page-2.txt', 'page-3.txt']);
    expect(hook.current().items.filter((item) => item.status === 'queued')).toHaveLength(7);

    await FakeXhr.all[0]?.respond(201, stored('f1', 'page-1.txt', 'text/plain', 10));
    await settle();
    expect(FakeXhr.all.map((xhr) => xhr.fileName())).toContain('page-4.txt');
    expect(FakeXhr.all).toHaveLength(4);

    await run(() => hook.current().add([file('eleventh.txt', 'text/plain')]));
    expect(hook.current().items).toHaveLength(10);
    expect(hook.current().notice).toMatch(/at most 10 files: 1 not added/);
  });

  it('clears the draft after a send without deleting what the message now carries', async () => {
    setUp();
    const net = fakeFetch();
    const hook = await renderHook(() => useAttachments());
    await run(() => hook.current().add([file('a.png')]));
    await FakeXhr.all[0]?.respond(201, stored('f1', 'a.png'));
    await run(() => hook.current().clear());
    expect(hook.current().items).toEqual([]);
    expect(net.calls).toEqual([]);
  });
});

describe('sending attachments', () => {
  const accepted = {
    runId: 'r1',
    conversationId: 'c1',
    userMessage: message('m3'),
    assistantMessage: message('m4', { role: 'assistant', status: 'streaming', content: '' }),
  };

  it('posts the file ids with the text (which may be empty), and an edit resends the files it keeps', async () => {
    installBrowser();
    const net = fakeFetch(route('POST', '/api/conversations/c1/messages', () => json(accepted, 202)));
    const hook = await renderHook(() =>
      useRunActions({
        conversationId: 'c1',
        parentId: 'm2',
        onAccepted: () => {},
        onCreated: () => {},
        onUpdated: () => {},
      }),
    );
    await run(() => hook.current().send('', ['f1', 'f2']));
    await run(() => hook.current().send('Just text'));
    await run(() => hook.current().editAndResend(message('m1', { parentId: null }), 'Again', ['f1']));
    expect(net.calls.map((call) => call.body)).toEqual([
      { content: '', files: ['f1', 'f2'], parentId: 'm2' },
      { content: 'Just text', parentId: 'm2' },
      { content: 'Again', parentId: null, files: ['f1'] },
    ]);
  });
});
