/*
 * aws_ini.h - the INI dialect of the AWS shared credentials and config files
 * (~/.aws/credentials, ~/.aws/config), as the AWS CLI reads them.
 *
 *   [section]            a section ("default", "profile ops", "services x")
 *   key = value          a setting of the section (whitespace trimmed)
 *   key =                a key with an empty value opens a nested block:
 *     sub = value        indented lines below it become "key.sub"
 *   # comment, ; comment  whole-line comments
 *
 * Lines that are none of these are counted and the first one is described
 * (file, line, what was expected); parsing carries on.  Values may be
 * secrets: aws_ini_free() wipes every byte it owns, and nothing here ever
 * prints a value.
 */
#ifndef FLOWLENS_AWS_INI_H
#define FLOWLENS_AWS_INI_H

#include <stddef.h>

struct aws_ini_entry {
	char *section;	/* as written between the brackets, trimmed */
	char *key;	/* lower-case; "outer.inner" for nested settings */
	char *value;	/* trimmed; may be empty */
	int   line;	/* 1-based line of the setting */
};

struct aws_ini {
	struct aws_ini_entry *entries;	/* in file order; owned */
	size_t                n;
	size_t                cap;
	int                   problems;	/* lines that could not be read */
	char                 *problem;	/* the first one, "NAME:LINE: why",
					 * or NULL; owned */
};

/*
 * Parse len bytes of text (any bytes; NULs end nothing) into *ini, which
 * must be zeroed.  name is used in problem descriptions.  Never fails:
 * unreadable lines are counted in ini->problems.
 */
void aws_ini_parse(struct aws_ini *ini, const char *name, const char *text,
    size_t len);

/*
 * Read and parse the file at path.  Returns 1 when the file was read, 0 when
 * it does not exist (ini stays empty), -1 with *err when it exists but
 * cannot be read.
 */
int aws_ini_load(struct aws_ini *ini, const char *path, char **err);

/* The value of key in section (last one wins, like the CLI), or NULL. */
const char *aws_ini_get(const struct aws_ini *ini, const char *section,
    const char *key);

/* 1 when the file has a section of that exact name. */
int aws_ini_has_section(const struct aws_ini *ini, const char *section);

/* Wipe and free everything; *ini is zeroed after. */
void aws_ini_free(struct aws_ini *ini);

#endif
