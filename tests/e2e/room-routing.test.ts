/**
 * Every page of a room names the room in its socket.io address (`?room=CODE`), so that a
 * cluster's router, or nginx's `hash $arg_room` and Caddy's `lb_policy query room`, can send
 * every client of the room to one process (CLUSTER.md): the instructor's, a student's, the
 * projector's and a replay link's viewer's.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, joinAs, joinProjector, openRoom, person, PHONE, PROJECTOR, useClassroom } from './harness';

const env = useClassroom();

/** The room named by each socket.io WebSocket the page opens (null: none named). */
function socketRooms(page: Page): (string | null)[] {
  const rooms: (string | null)[] = [];
  page.on('websocket', (ws) => {
    const address = new URL(ws.url());
    if (address.pathname.startsWith('/socket.io/')) rooms.push(address.searchParams.get('room'));
  });
  return rooms;
}

describe('routing by room', () => {
  it("puts the room code in the socket.io address of the instructor's, a student's, the projector's and a replay viewer's page", async () => {
    const teacher = await person(env.browser, DESKTOP);
    const teacherRooms = socketRooms(teacher.page);
    const code = await openRoom(env.classroom.url, teacher.page);
    const student = await person(env.browser, PHONE);
    const studentRooms = socketRooms(student.page);
    await joinAs(env.classroom.url, student.page, code, 'Ana');
    const projector = await person(env.browser, PROJECTOR);
    const projectorRooms = socketRooms(projector.page);
    await joinProjector(env.classroom.url, projector.page, code);
    await teacher.page.getByRole('button', { name: 'Create a replay link' }).click();
    const link = await teacher.page.getByTestId('share-link').innerText();
    const viewer = await person(env.browser, DESKTOP);
    const viewerRooms = socketRooms(viewer.page);
    await viewer.page.goto(link.replace(/^https?:\/\/[^/]+/, env.classroom.url));
    await viewer.page.waitForURL(`**/room/${code}`);
    await expect.poll(() => viewer.page.getByTestId('log').innerText()).toContain('Ana');

    for (const rooms of [teacherRooms, studentRooms, projectorRooms, viewerRooms]) {
      expect(rooms.length).toBeGreaterThan(0);
      expect(rooms.every((room) => room === code)).toBe(true);
    }
    for (const p of [teacher, student, projector, viewer]) await p.context.close();
  });
});
