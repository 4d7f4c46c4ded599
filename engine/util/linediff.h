/* How many lines a change added and removed: the shortest edit script between two texts
 * taken as sequences of lines (Myers' O((N+M)D) greedy algorithm; only its length is
 * needed, so no trace is kept and memory is O(N+M)). For the rule-set audit. */
#ifndef WW_UTIL_LINEDIFF_H
#define WW_UTIL_LINEDIFF_H

#include <stddef.h>

/* Lines of 'b' not in a longest common subsequence with 'a' ('*added') and lines of 'a'
 * not in it ('*removed'). A NULL text is empty; a last line without '\n' is a line. The
 * common head and tail are skipped first; when the rest would need more than 'max_d'
 * edits (0: 20000), every line of the rest counts as changed (an upper bound). 0, or -1
 * when out of memory (then both are set as for the bound). */
int ww_linediff(const char *a, size_t alen, const char *b, size_t blen, size_t max_d,
                size_t *added, size_t *removed);

#endif
