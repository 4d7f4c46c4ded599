/* The walls of the Lua state: a capped allocator, the instruction budget (a count hook,
 * and charges for work done in C) and the time limits of a run (the hook's own look at
 * the clock, and the watchdog's signal). Once spent, a budget or time limit is sticky: the
 * hook raises again at every instruction, so a rule's pcall cannot swallow it. */
#include <stdio.h>
#include <stdlib.h>

#include "log/log.h"
#include "rules/host_private.h"

#define HOOK_EVERY 1000
#define CLOCK_EVERY 4096        /* charged steps between two looks at the clock */
#define CALL_MAX 1e6            /* steps one C call may do (2-5 ms): after its limit a
                                   decision ends at most one such call late */
#define BIG_BLOCK (16u << 10)   /* allocations from here on charge the budget */

static void budget_hook(lua_State *L, lua_Debug *ar);

/* Makes the hook fire at the next instruction. */
static void budget_force(ww_host *H) { lua_sethook(H->L, budget_hook, LUA_MASKCOUNT, 1); }

/* ---- allocator with a byte cap (osize is a type tag when ptr == NULL) ---- */

void *ww__sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  ww_host *H = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    H->lim.mem_used -= old;
    return NULL;
  }
  if (nsize > old) {
    if (H->lim.mem_used - old + nsize > H->lim.mem_cap) return NULL;
    /* big blocks cost more than their copying (page faults, collection): charged here,
     * and a spent budget stops the rule at its next instruction, not 1000 later */
    if (nsize >= BIG_BLOCK && H->lim.budget_on) {
      H->lim.budget_left -= (long)((nsize - old) >> 1);
      if (H->lim.budget_left <= 0) budget_force(H);
    }
  }
  void *p = realloc(ptr, nsize);
  if (p == NULL) return NULL;
  H->lim.mem_used = H->lim.mem_used - old + nsize;
  return p;
}

int ww__mem_take(ww_host *H, size_t n) {
  if (n > H->lim.mem_cap - H->lim.mem_used) return -1;
  H->lim.mem_used += n;
  return 0;
}

void ww__mem_charge(lua_State *L, size_t n) {
  if (ww__mem_take(ww__host_of(L), n) != 0) luaL_error(L, "%s", WW__MEMORY_LIMIT);
}

int ww__sandbox_panic(lua_State *L) {
  const char *m = lua_tostring(L, -1);
  ww_logf(WW_LOG_ERROR, "Lua panic (unprotected error): %s", m ? m : "?");
  abort();
}

/* ---- instruction budget and time limit ---- */

/* Raises "FILE:LINE: <fn: >what" at the running Lua line and keeps the hook firing at every
 * instruction, so each later instruction raises again. */
static int limit_error(lua_State *L, const char *fn, const char *what) {
  ww__host_of(L)->lim.limit_hit = 1;
  lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
  const char *sep = fn ? ": " : "";
  if (fn == NULL) fn = "";
  lua_Debug ar;   /* level 0: the running function; a C function has no line, its caller has */
  for (int level = 0; level < 2; level++)
    if (lua_getstack(L, level, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d: %s%s%s", ar.short_src, ar.currentline, fn, sep, what);
      return lua_error(L);
    }
  lua_pushfstring(L, "%s%s%s", fn, sep, what);
  return lua_error(L);
}

static int time_error(lua_State *L, ww_host *H, const char *fn) {
  char what[200];
  if (H->lim.run_load)
    snprintf(what, sizeof what, "loading took longer than %u ms (the time limit for loading a "
             "rule set; look for a loop that does not stop)", H->lim.load_timeout_ms);
  else if (H->lim.tests_deadline)
    snprintf(what, sizeof what, "the rule tests took longer than %u ms together (the time "
             "limit for loading; look for a loop that does not stop)", H->lim.load_timeout_ms);
  else
    snprintf(what, sizeof what, "the rules ran longer than %u ms (the time limit of one "
             "decision; look for a loop over long texts or big tables)", H->lim.timeout_ms);
  return limit_error(L, fn, what);
}

static void budget_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  ww_host *H = ww__host_of(L);
  if (H->lim.deadline && (H->lim.expired || ww__now_ms() >= H->lim.deadline)) time_error(L, H, NULL);
  H->lim.budget_left -= HOOK_EVERY;
  if (H->lim.budget_left > 0) return;
  limit_error(L, NULL, "instruction budget exceeded (the rules ran too long; look for an "
                       "endless loop, or for work on very long texts or big tables)");
}

void ww__budget_start(ww_host *H, unsigned long budget, int load) {
  H->lim.budget_left = (long)budget;
  H->lim.run_load = load;
  H->lim.expired = 0;
  H->lim.limit_hit = 0;
  H->lim.charged = 0;
  H->lim.budget_on = 1;
  int64_t now = ww__clock_ms();
  int64_t deadline = load              ? H->lim.load_deadline
                     : H->lim.tests_deadline ? H->lim.tests_deadline
                                         : now + (int64_t)H->lim.timeout_ms;
  unsigned limit = load || H->lim.tests_deadline ? 0 : H->lim.timeout_ms;   /* 0: wall-clock */
  lua_sethook(H->L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
  int watched = ww__watchdog_arm(H->L, budget_hook, &H->lim.expired, now, deadline, limit);
  /* the hook's own look at the clock: for a watched decision only the hard limit (the
   * watchdog judges its running time), else the deadline itself */
  H->lim.deadline = watched && limit ? now + ww__hard_limit(limit) : deadline;
}

void ww__budget_stop(ww_host *H) {
  ww__watchdog_disarm();   /* before the hook goes: a late signal then finds nothing */
  H->lim.budget_on = 0;
  H->lim.deadline = 0;
  lua_sethook(H->L, NULL, 0, 0);
}

void ww__charge(lua_State *L, double units, const char *fn) {
  ww_host *H = ww__host_of(L);
  if (!H->lim.budget_on) return;
  if (units > CALL_MAX) {   /* one call runs to its end: the time limit waits for it */
    H->lim.budget_left = 0;
    limit_error(L, fn, "instruction budget exceeded (this call alone is more work than one "
                       "call may do; use shorter texts or smaller tables)");
  }
  if (units < (double)H->lim.budget_left) {
    H->lim.budget_left -= (long)units;
    /* C work is not seen by the hook: the watchdog's flag at every charge, the clock
     * every CLOCK_EVERY charged steps (a C loop may charge one step at a time) */
    H->lim.charged += (long)units;
    if (H->lim.expired || (H->lim.charged >= CLOCK_EVERY && H->lim.deadline &&
                       (H->lim.charged = 0, ww__now_ms() >= H->lim.deadline)))
      time_error(L, H, fn);
    return;
  }
  H->lim.budget_left = 0;
  limit_error(L, fn, "instruction budget exceeded (this call is more work than the rules "
                     "may still do in this decision; use shorter texts or smaller tables)");
}
