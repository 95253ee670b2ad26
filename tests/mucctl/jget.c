/*
 * jget: pick a value out of one JSON document on stdin, for tests that
 * cannot count on jq being installed.
 *
 *   jget PATH       print the value at PATH
 *   jget -n PATH    print the number of elements of the array or object
 *   jget -k PATH    print the keys of the object, one per line, in order
 *
 * PATH is dot-separated object keys and array indexes ("rooms.0.jid");
 * "." is the document itself. Strings print raw, other scalars as JSON,
 * arrays and objects as compact JSON. The input must be exactly one JSON
 * document (anything after it is an error).
 *
 * Exit: 0 found, 1 no such path, 2 usage or invalid input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static json_t *
step(json_t *v, const char *key)
{
	char *end;
	long i;

	if (json_is_object(v))
		return json_object_get(v, key);
	if (json_is_array(v)) {
		i = strtol(key, &end, 10);
		if (*key == '\0' || *end != '\0' || i < 0)
			return NULL;
		return json_array_get(v, (size_t)i);
	}
	return NULL;
}

static json_t *
walk(json_t *root, const char *path)
{
	char *copy, *tok, *save = NULL;
	json_t *v = root;

	if (strcmp(path, ".") == 0)
		return root;
	if ((copy = strdup(path)) == NULL)
		return NULL;
	for (tok = strtok_r(copy, ".", &save); tok != NULL && v != NULL;
	    tok = strtok_r(NULL, ".", &save))
		v = step(v, tok);
	free(copy);
	return v;
}

static void
print_value(json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		fwrite(json_string_value(v), 1, json_string_length(v), stdout);
		putchar('\n');
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	puts(s ? s : "?");
	free(s);
}

int
main(int argc, char **argv)
{
	const char *mode = "", *key;
	json_error_t je;
	json_t *root, *v, *x;

	if (argc == 3 && argv[1][0] == '-')
		mode = argv[1] + 1;
	else if (argc != 2)
		goto usage;
	root = json_loadf(stdin, JSON_DECODE_ANY, &je);
	if (root == NULL) {
		fprintf(stderr, "jget: invalid JSON: %s (line %d)\n", je.text,
		    je.line);
		return 2;
	}
	if ((v = walk(root, argv[argc - 1])) == NULL) {
		fprintf(stderr, "jget: no %s\n", argv[argc - 1]);
		return 1;
	}
	if (strcmp(mode, "n") == 0)
		printf("%zu\n", json_is_array(v) ? json_array_size(v) :
		    json_object_size(v));
	else if (strcmp(mode, "k") == 0) {
		json_object_foreach(v, key, x)
			puts(key);
	} else if (*mode == '\0')
		print_value(v);
	else
		goto usage;
	json_decref(root);
	return 0;
usage:
	fprintf(stderr, "usage: jget [-n|-k] PATH < json\n");
	return 2;
}
