/*
 * A connected game client: its Socket.IO connection, the ticket it came
 * with, its player in the world and the inputs queued since the last tick.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/util.h>

struct handoff;
struct instance;
struct owned;
struct siosock;
struct json_object;
struct world_input;
struct world_player;
struct delta_known;

#define SESSION_INPUT_QUEUE	72	/* inputs held between two ticks */
#define SESSION_INPUT_RESERVED	8	/* of which only the server queues */
#define SESSION_STATE_BACKLOG	16384	/* unsent bytes before states skip */

/* --state-format, as options_choice gives it. */
#define SESSION_FORMAT_DELTA	0
#define SESSION_FORMAT_JSON	1

enum session_state {
	SESSION_HANDSHAKE,	/* connected, no namespace joined yet */
	SESSION_PLAYING,	/* in the world with a player */
	SESSION_CLOSING		/* leaving; freed once the socket is closed */
};

struct snapr;
struct snapw;

struct session_input {
	uint64_t	 seq;
	uint8_t		 kind;		/* enum world_input_kind */
	float		 dx, dy;
	int32_t		 arg;
};

struct session {
	uint32_t		 id;
	enum session_state	 state;
	struct instance		*instance;
	struct siosock		*sock;
	uint32_t		 player;	/* 0 when not in the world */
	char			*character_id;
	struct owned		*owned;		/* the character, in writeback */
	char			*quests;	/* JSON quest progress */
	uint64_t		 last_seq;	/* last input accepted */
	struct session_input	 queue[SESSION_INPUT_QUEUE];
	size_t			 nqueued;
	uint64_t		 skipped_states; /* slow client: frames skipped */
	uint32_t		 synced;	/* player->changes last copied */
	struct handoff		*handoff;	/* crossing to a neighbour */
	int			 reading_held;	/* queue full until the tick */
	struct delta_known	*dk;		/* what its client was sent */
	TAILQ_ENTRY(session)	 entry;
};

struct session	*session_new(struct instance *, evutil_socket_t);
void		 session_free(struct session *);
size_t		 session_drain_inputs(struct session *, struct world_input *);
int		 session_state_due(struct session *);
void		 session_send_state(struct session *, const char *, size_t,
		     uint64_t);
void		 session_send_events(struct session *);
void		 session_load_character(struct world_player *,
		     struct json_object *);
void		 session_kick(struct session *, const char *, const char *);
void		 session_sync(struct session *);
void		 session_lost(struct session *, const char *);
struct session	*session_find(struct instance *, uint32_t);
struct session	*session_find_player(struct instance *, uint32_t);
void		 session_emit(struct session *, struct json_object *);
void		 session_stop(struct session *);
size_t		 session_output_queued(struct session *);

/* Live migration (session.c says what travels). */
int		 session_migratable(struct session *);
evutil_socket_t	 session_fd(struct session *);
void		 session_save(struct session *, struct snapw *);
uint32_t	 session_peek_id(const struct snapr *);
int		 session_restore(struct instance *, struct snapr *,
		     evutil_socket_t, char **);
void		 session_resume(struct session *);
void		 session_forget(struct session *);
void		 session_leave_world(struct session *, const char *);

#endif
