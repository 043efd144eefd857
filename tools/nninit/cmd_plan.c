/*
 * cmd_plan.c: nninit plan MODEL: one row per tensor with its shape, fans,
 * initializer, gain, std or bound, and why.
 */
#include "cli.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

enum { O_HELP = 1, O_FORMAT };

static const cli_opt plan_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"format", 1, O_FORMAT},
    CLI_MODEL_OPTS,      {NULL, 0, 0}};

static void help(void)
{
    printf(
        "usage: nninit plan MODEL [--preset P] [--format table|tsv|json]\n"
        "\n"
        "Which initializer each tensor of MODEL gets, and why. MODEL is a\n"
        "description (.yaml, .yml, .json) or a checkpoint (.safetensors,\n"
        ".npz, .gguf: names, shapes and types are read, values are not).\n"
        "\n"
        "options:\n");
    cli_model_help();
    printf(
        "  --rules FILE        more rules (YAML or JSON with rules: [...]),\n"
        "                      e.g. an activation map for a checkpoint\n"
        "  --seed N --rng philox|torch --dtype f32|f64|f16|bf16  as for init\n"
        "  --format F          table (default), tsv or json\n"
        "\n"
        "columns: name, shape, dtype, fan_in, fan_out, init, gain, std,\n"
        "bound (uniform half-width), why; with scalings also scale (what\n"
        "they multiplied the values by, '~' where they replaced the\n"
        "initializer or some rows), with base shapes infshape (each\n"
        "dimension, base/size where it is width-scaled). Notes (what a\n"
        "scheme needs in the forward pass) follow the table.\n");
}

static void num(char *buf, size_t n, double v, int show)
{
    if (show)
        snprintf(buf, n, "%.6g", v);
    else
        snprintf(buf, n, "-");
}

static void fan(char *buf, size_t n, int64_t v)
{
    if (v < 0)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%lld", (long long)v);
}

typedef struct row {
    char shape[96], fi[24], fo[24], gain[24], std[24], bound[24];
    char scale[24], inf[128];
} row;

/* "(64/1024, 784)": each dimension, base/size where it is infinite. */
static void infshape(const nninit_plan_entry *e, char *buf, size_t n)
{
    if (!e->base) {
        snprintf(buf, n, "-");
        return;
    }
    size_t at = 0;
    for (int d = 0; d < e->shape->ndim; d++) {
        char one[48];
        if (e->infinite >> d & 1u)
            snprintf(one, sizeof one, "%lld/%lld", (long long)e->base->dim[d],
                     (long long)e->shape->dim[d]);
        else
            snprintf(one, sizeof one, "%lld", (long long)e->shape->dim[d]);
        int k = snprintf(buf + at, n - at, "%s%s%s", d ? ", " : "(", one,
                         d + 1 == e->shape->ndim ? ")" : "");
        if (k < 0 || (size_t)k >= n - at)
            return;
        at += (size_t)k;
    }
}

/* A gain only where the formula has one (fan-scaled, orthogonal, eye,
 * hadamard). */
static int has_gain(const nninit_plan_entry *e)
{
    return e->generated &&
           (e->res->fan > 0 || e->res->draw == NNINIT_DRAW_EYE ||
            e->res->draw == NNINIT_DRAW_ORTHOGONAL ||
            e->res->draw == NNINIT_DRAW_DELTA_ORTHOGONAL ||
            e->res->draw == NNINIT_DRAW_HADAMARD);
}

static void make_row(const nninit_plan_entry *e, row *r)
{
    nninit_shape_format(e->shape, r->shape, sizeof r->shape);
    int gen = e->generated;
    fan(r->fi, sizeof r->fi, gen ? e->res->fan_in : -1);
    fan(r->fo, sizeof r->fo, gen ? e->res->fan_out : -1);
    int elementwise = gen && e->res->draw == NNINIT_DRAW_DIST;
    num(r->gain, sizeof r->gain, e->res->gain, has_gain(e));
    num(r->std, sizeof r->std, e->res->std, elementwise);
    num(r->bound, sizeof r->bound, e->res->bound,
        elementwise && e->res->dist.kind == NNINIT_DIST_UNIFORM);
    if (isnan(e->scale))
        snprintf(r->scale, sizeof r->scale, "~");
    else
        num(r->scale, sizeof r->scale, e->scale, gen);
    infshape(e, r->inf, sizeof r->inf);
}

static int print_json(const nninit_plan *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        json_t *o = json_object(), *shape = json_array();
        for (int d = 0; d < e->shape->ndim; d++)
            json_array_append_new(shape, json_integer(e->shape->dim[d]));
        json_object_set_new(o, "name", json_string(e->name));
        json_object_set_new(o, "shape", shape);
        json_object_set_new(o, "dtype",
                            json_string(nninit_etype_name(e->type)));
        json_object_set_new(o, "fan_in", e->generated && e->res->fan_in >= 0
                                             ? json_integer(e->res->fan_in)
                                             : json_null());
        json_object_set_new(o, "fan_out", e->generated && e->res->fan_out >= 0
                                              ? json_integer(e->res->fan_out)
                                              : json_null());
        json_object_set_new(o, "init", json_string(e->init));
        json_object_set_new(o, "kind",
                            e->generated ? json_string(nninit_kind_name(
                                               e->spec->kind))
                                         : json_string("copy"));
        int ew = e->generated && e->res->draw == NNINIT_DRAW_DIST;
        json_object_set_new(o, "gain", has_gain(e) ? json_real(e->res->gain)
                                                   : json_null());
        json_object_set_new(o, "scale", isnan(e->scale) || !e->generated
                                            ? json_null()
                                            : json_real(e->scale));
        if (e->base) {
            json_t *inf = json_array();
            for (int d = 0; d < e->shape->ndim; d++)
                json_array_append_new(inf, e->infinite >> d & 1u
                                               ? json_integer(e->base->dim[d])
                                               : json_null());
            json_object_set_new(o, "base_shape", inf);
            json_object_set_new(o, "width_mult", json_real(e->width_mult));
        }
        json_object_set_new(o, "std", ew ? json_real(e->res->std)
                                         : json_null());
        json_object_set_new(o, "bound",
                            ew && e->res->dist.kind == NNINIT_DIST_UNIFORM
                                ? json_real(e->res->bound)
                                : json_null());
        json_object_set_new(o, "stream", json_integer((json_int_t)e->stream));
        json_object_set_new(o, "why", json_string(e->why));
        if (json_array_append_new(arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    char *s = arr ? json_dumps(arr, JSON_INDENT(1)) : NULL;
    json_decref(arr);
    if (!s)
        return cli_error(EXIT_RUNTIME, "out of memory");
    printf("%s\n", s);
    free(s);
    return 0;
}

int cmd_plan(int argc, char **argv)
{
    const char *format = "table";
    cli_model cm;
    cli_model_init(&cm);
    cli_parser p;
    cli_init(&p, argc, argv, 1, plan_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        int rc = 0;
        switch (k) {
        case CLI_ERROR:
            return EXIT_BAD_INPUT;
        case O_HELP:
            help();
            return 0;
        case CLI_POSITIONAL:
            if (cm.path)
                return cli_error(EXIT_BAD_INPUT,
                                 "unexpected argument '%s' (one MODEL only)",
                                 p.value);
            cm.path = p.value;
            break;
        case O_FORMAT: {
            static const char *const formats[] = {"table", "tsv", "json"};
            static const nninit_names t = {"format", formats, 3, NULL, 0};
            nninit_error err;
            int f;
            if (nninit_names_parse(&t, p.value, &f, &err))
                return cli_error(EXIT_BAD_INPUT, "--format: %s", err.msg);
            format = formats[f];
            break;
        }
        default:
            rc = cli_model_option(&cm, k, p.value);
            break;
        }
        if (rc)
            return rc;
    }
    int rc = cli_model_load(&cm);
    if (rc) {
        cli_model_free(&cm);
        return rc;
    }
    const nninit_plan *pl = cm.plan;
    size_t n = nninit_plan_size(pl);
    /* scale and infshape only when some tensor has them */
    int show_scale = 0, show_inf = 0;
    for (size_t i = 0; i < n; i++) {
        const nninit_plan_entry *e = nninit_plan_get(pl, i);
        show_scale |= e->generated && e->scale != 1;
        show_inf |= e->base != NULL;
    }
    if (!strcmp(format, "json")) {
        rc = print_json(pl);
        cli_model_notes(&cm);
    } else if (!strcmp(format, "tsv")) {
        printf("name\tshape\tdtype\tfan_in\tfan_out\tinit\tgain\tstd\tbound\t"
               "%s%swhy\n", show_scale ? "scale\t" : "",
               show_inf ? "infshape\t" : "");
        for (size_t i = 0; i < n; i++) {
            const nninit_plan_entry *e = nninit_plan_get(pl, i);
            row r;
            make_row(e, &r);
            printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t", e->name, r.shape,
                   nninit_etype_name(e->type), r.fi, r.fo, e->init, r.gain,
                   r.std, r.bound);
            if (show_scale)
                printf("%s\t", r.scale);
            if (show_inf)
                printf("%s\t", r.inf);
            printf("%s\n", e->why);
        }
        cli_model_notes(&cm);
    } else {
        int wn = 4, ws = 5, wi = 4, wf = 8;
        for (size_t i = 0; i < n; i++) {
            const nninit_plan_entry *e = nninit_plan_get(pl, i);
            row r;
            make_row(e, &r);
            wn = (int)strlen(e->name) > wn ? (int)strlen(e->name) : wn;
            ws = (int)strlen(r.shape) > ws ? (int)strlen(r.shape) : ws;
            wi = (int)strlen(e->init) > wi ? (int)strlen(e->init) : wi;
            wf = (int)strlen(r.inf) > wf ? (int)strlen(r.inf) : wf;
        }
        if (wi > 60)
            wi = 60;
        printf("%-*s  %-*s  %-5s %7s %7s  %-*s  %8s %9s %9s  ", wn, "name", ws,
               "shape", "dtype", "fan_in", "fan_out", wi, "init", "gain",
               "std", "bound");
        if (show_scale)
            printf("%9s  ", "scale");
        if (show_inf)
            printf("%-*s  ", wf, "infshape");
        printf("why\n");
        for (size_t i = 0; i < n; i++) {
            const nninit_plan_entry *e = nninit_plan_get(pl, i);
            row r;
            make_row(e, &r);
            printf("%-*s  %-*s  %-5s %7s %7s  %-*s  %8s %9s %9s  ", wn,
                   e->name, ws, r.shape, nninit_etype_name(e->type), r.fi,
                   r.fo, wi, e->init, r.gain, r.std, r.bound);
            if (show_scale)
                printf("%9s  ", r.scale);
            if (show_inf)
                printf("%-*s  ", wf, r.inf);
            printf("%s\n", e->why);
        }
        size_t nn = nninit_plan_note_count(pl);
        if (nn)
            printf("\nnotes:\n");
        for (size_t i = 0; i < nn; i++)
            printf("  %s = %s: %s\n", nninit_plan_note_get(pl, i)->key,
                   nninit_plan_note_get(pl, i)->value,
                   nninit_plan_note_get(pl, i)->text);
    }
    cli_model_free(&cm);
    return rc;
}
