/** The current route; links and `navigate` change it without a reload. */
import { parseRoute, type Route } from './route';

export { parseRoute, type Route };

class Router {
  #route = $state.raw<Route>(parseRoute(location.pathname, location.search, location.hash));

  constructor() {
    addEventListener('popstate', () => (this.#route = parseRoute(location.pathname, location.search, location.hash)));
  }

  get route(): Route {
    return this.#route;
  }

  navigate(path: string, replace = false): void {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.#route = parseRoute(location.pathname, location.search, location.hash);
    window.scrollTo(0, 0);
  }
}

export const router = new Router();
