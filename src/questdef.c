/* Quest metadata (JSON) into the simulation's quest definitions. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonutil.h"
#include "log.h"
#include "questdef.h"
#include "sim/world.h"
#include "xmalloc.h"

static int
copy_name(char *dst, size_t size, const char *src)
{
	size_t	len = strlen(src);

	if (len == 0 || len >= size)
		return (-1);
	memcpy(dst, src, len + 1);
	return (0);
}

static int
parse_one(struct json_object *o, struct world_quest *q, const char **why)
{
	struct json_object	*objs, *ob, *rewards, *items, *it;
	const char		*s;
	long long		 n;
	size_t			 i;

	memset(q, 0, sizeof *q);
	if (!json_object_is_type(o, json_type_object) ||
	    jsonutil_get_string(o, "id", &s) != 0 ||
	    copy_name(q->id, sizeof q->id, s) != 0) {
		*why = "no usable id";
		return (-1);
	}
	if (jsonutil_get_string(o, "giver", &s) == 0)
		copy_name(q->giver, sizeof q->giver, s);
	if (!json_object_object_get_ex(o, "objectives", &objs) ||
	    !json_object_is_type(objs, json_type_array) ||
	    json_object_array_length(objs) == 0 ||
	    json_object_array_length(objs) > WORLD_QUEST_OBJECTIVES) {
		*why = "objectives must be an array of 1 to 4";
		return (-1);
	}
	for (i = 0; i < json_object_array_length(objs); i++) {
		ob = json_object_array_get_idx(objs, i);
		if (jsonutil_get_string(ob, "kind", &s) != 0) {
			*why = "an objective has no kind";
			return (-1);
		}
		if (strcmp(s, "kill") == 0)
			q->objectives[i].kind = QUEST_KILL;
		else if (strcmp(s, "collect") == 0)
			q->objectives[i].kind = QUEST_COLLECT;
		else if (strcmp(s, "talk") == 0)
			q->objectives[i].kind = QUEST_TALK;
		else {
			*why = "an objective's kind is not kill, collect or talk";
			return (-1);
		}
		if (jsonutil_get_string(ob, "target", &s) != 0 ||
		    copy_name(q->objectives[i].target,
		    sizeof q->objectives[i].target, s) != 0) {
			*why = "an objective has no usable target";
			return (-1);
		}
		if (jsonutil_get_int(ob, "count", &n) != 0)
			n = 1;
		if (n < 1 || n > 1000000) {
			*why = "an objective's count is not 1 to 1000000";
			return (-1);
		}
		q->objectives[i].count = (uint32_t)n;
		q->nobjectives++;
	}
	if (json_object_object_get_ex(o, "rewards", &rewards) &&
	    json_object_is_type(rewards, json_type_object)) {
		if (jsonutil_get_int(rewards, "xp", &n) == 0 && n > 0 &&
		    n < 100000000)
			q->reward_xp = (uint32_t)n;
		if (json_object_object_get_ex(rewards, "items", &items) &&
		    json_object_is_type(items, json_type_array)) {
			for (i = 0; i < json_object_array_length(items) &&
			    q->nrewards < WORLD_QUEST_REWARDS; i++) {
				it = json_object_array_get_idx(items, i);
				if (jsonutil_get_string(it, "id", &s) != 0 ||
				    copy_name(q->rewards[q->nrewards].id,
				    WORLD_ITEM_MAX, s) != 0)
					continue;
				if (jsonutil_get_int(it, "count", &n) != 0 ||
				    n < 1 || n > 1000000)
					n = 1;
				q->rewards[q->nrewards++].count = (uint32_t)n;
			}
		}
	}
	return (0);
}

/*
 * Returns the number of quests parsed into *out (caller frees; NULL when
 * none).
 */
size_t
questdef_parse(struct json_object *doc, struct world_quest **out)
{
	struct json_object	*list;
	struct world_quest	*q = NULL;
	const char		*why;
	size_t			 i, n = 0, len;

	*out = NULL;
	if (!json_object_object_get_ex(doc, "quests", &list) ||
	    !json_object_is_type(list, json_type_array) ||
	    (len = json_object_array_length(list)) == 0)
		return (0);
	q = xcalloc(len, sizeof *q);
	for (i = 0; i < len; i++) {
		if (parse_one(json_object_array_get_idx(list, i), &q[n],
		    &why) != 0) {
			log_warn("quest %zu skipped: %s", i, why);
			continue;
		}
		n++;
	}
	*out = q;
	return (n);
}
