/**
 * A press of one of the student's action buttons acts once. The second click of a double tap
 * or double click (a click whose `detail` counts two or more) does nothing: on a phone the
 * server often answers the first tap before the second lands, so waiting for the answer alone
 * lets a second command through. A press while an action is on its way does nothing either.
 */
export function onePress(sending: () => boolean, act: () => void): (e: MouseEvent) => void {
  return (e) => {
    if (!secondTap(e) && !sending()) act();
  };
}

/** The second click (or more) of a double tap or double click. */
export function secondTap(e: MouseEvent): boolean {
  return e.detail > 1;
}
