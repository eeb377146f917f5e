/*
 * handoff.h - hand one pointer from a worker thread to the UI thread.
 *
 * The producer puts a finished, immutable object; the consumer takes it.
 * The mutex is held only for the pointer swap (STYLE 3), so neither side
 * ever waits for the other's work.  An object put before the previous one
 * was taken replaces it; handoff_put() returns the replaced one for the
 * producer to free.
 */
#ifndef FLOWLENS_UI_HANDOFF_H
#define FLOWLENS_UI_HANDOFF_H

#include <pthread.h>

struct handoff {
	pthread_mutex_t lock;
	void           *item;	/* put, not yet taken; owned by the handoff */
};

void handoff_init(struct handoff *h);
void handoff_destroy(struct handoff *h);	/* item must be NULL or freed */

/* Put item; returns the item it replaced (or NULL).  Any thread. */
void *handoff_put(struct handoff *h, void *item);

/* Take the item (the caller owns it), or NULL.  Any thread. */
void *handoff_take(struct handoff *h);

#endif
