/*
 * handoff.c - see handoff.h.
 */
#include "handoff.h"

#include <stddef.h>

void
handoff_init(struct handoff *h)
{
	pthread_mutex_init(&h->lock, NULL);
	h->item = NULL;
}

void
handoff_destroy(struct handoff *h)
{
	pthread_mutex_destroy(&h->lock);
}

void *
handoff_put(struct handoff *h, void *item)
{
	void *old;

	pthread_mutex_lock(&h->lock);
	old = h->item;
	h->item = item;
	pthread_mutex_unlock(&h->lock);
	return old;
}

void *
handoff_take(struct handoff *h)
{
	return handoff_put(h, NULL);
}
