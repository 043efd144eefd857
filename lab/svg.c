/*
 * svg.c: line plots as standalone SVG (output only, written by hand: a fixed
 * frame, "nice" ticks, a log axis when asked, a legend, one polyline per
 * series). Written through nninit_ofile, so no partial file is ever left.
 */
#include "lab_internal.h"
#include "nninit/io.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void nninit_lab_figure_free(nninit_lab_figure *f)
{
    if (!f || !f->series)
        return;
    for (int s = 0; s < f->n_series; s++) {
        nninit__free(f->alloc, f->series[s].x);
        nninit__free(f->alloc, f->series[s].y);
    }
    nninit__free(f->alloc, f->series);
    f->series = NULL;
    f->n_series = 0;
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
    const nninit_allocator *alloc;
} sbuf;

/* Room for `more` bytes and a NUL; the allocator has no realloc. */
static int sb_reserve(sbuf *b, size_t more)
{
    if (b->oom)
        return 0;
    if (b->cap - b->len > more)
        return 1;
    size_t nc = (b->cap + more + 1) * 2;
    char *q = (char *)nninit__alloc(b->alloc, nc);
    if (!q) {
        b->oom = 1;
        return 0;
    }
    if (b->len)
        memcpy(q, b->p, b->len);
    q[b->len] = '\0';
    nninit__free(b->alloc, b->p);
    b->p = q;
    b->cap = nc;
    return 1;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (!sb_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void sb_text(sbuf *b, const char *s) /* XML-escaped */
{
    for (; *s; s++) {
        switch (*s) {
        case '<': sb_printf(b, "&lt;"); break;
        case '>': sb_printf(b, "&gt;"); break;
        case '&': sb_printf(b, "&amp;"); break;
        case '"': sb_printf(b, "&quot;"); break;
        default: sb_printf(b, "%c", *s);
        }
    }
}

static double nice_step(double range, int target)
{
    double raw = range / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c",
                                     "#ff7f0e", "#9467bd", "#8c564b",
                                     "#e377c2", "#7f7f7f", "#bcbd22",
                                     "#17becf"};

/* x on the plot's scale (log10 when logx); NAN when it cannot be shown. */
static double xs(const nninit_lab_figure *f, double x)
{
    if (!isfinite(x) || (f->logx && x <= 0))
        return NAN;
    return f->logx ? log10(x) : x;
}

static void render(const nninit_lab_figure *f, sbuf *bp)
{
    const double W = 720, H = 440, L = 80, R = 200, T = 40, B = 56;
    const double pw = W - L - R, ph = H - T - B;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int s = 0; s < f->n_series; s++)
        for (int i = 0; i < f->series[s].n; i++) {
            double x = xs(f, f->series[s].x[i]), y = f->series[s].y[i];
            if (!isfinite(x) || !isfinite(y) || (f->logy && y <= 0))
                continue;
            x0 = fmin(x0, x);
            x1 = fmax(x1, x);
            y0 = fmin(y0, f->logy ? log10(y) : y);
            y1 = fmax(y1, f->logy ? log10(y) : y);
        }
    if (isfinite(f->hline) && (!f->logy || f->hline > 0)) {
        double h = f->logy ? log10(f->hline) : f->hline;
        y0 = fmin(y0, h);
        y1 = fmax(y1, h);
    }
    const int fixed = isfinite(f->ymin) || isfinite(f->ymax);
    if (isfinite(f->ymin) && (!f->logy || f->ymin > 0))
        y0 = f->logy ? log10(f->ymin) : f->ymin;
    if (isfinite(f->ymax) && (!f->logy || f->ymax > 0))
        y1 = f->logy ? log10(f->ymax) : f->ymax;
    if (!(x0 <= x1)) {
        x0 = 0;
        x1 = 1;
    }
    if (!(y0 <= y1)) {
        y0 = 0;
        y1 = 1;
    }
    if (x1 - x0 < 1e-300)
        x1 = x0 + 1;
    if (y1 - y0 < 1e-12) {
        y0 -= f->logy ? 0.5 : fabs(y0) * 0.1 + 0.5;
        y1 += f->logy ? 0.5 : fabs(y1) * 0.1 + 0.5;
    }
    double ystep;
    if (f->logy) {
        y0 = floor(y0);
        y1 = ceil(y1);
        ystep = ceil((y1 - y0) / 8);
    } else {
        ystep = nice_step(y1 - y0, 6);
        y0 = floor(y0 / ystep) * ystep;
        y1 = ceil(y1 / ystep) * ystep;
    }
    double xstep = f->logx ? 1 : nice_step(x1 - x0, 8);
#define PX(x) (L + ((x) - x0) / (x1 - x0) * pw)
#define PY(y) (T + ph - ((y) - y0) / (y1 - y0) * ph)
    sbuf b = *bp;
    sb_printf(&b,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" "
              "height=\"%g\" viewBox=\"0 0 %g %g\" "
              "font-family=\"sans-serif\" font-size=\"12\">\n"
              "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
              W, H, W, H);
    sb_printf(&b, "<text x=\"%g\" y=\"24\" font-size=\"15\">", L);
    sb_text(&b, f->title);
    sb_printf(&b, "</text>\n");
    /* grid and ticks */
    for (double y = y0; y <= y1 + 1e-9 * fabs(ystep); y += ystep) {
        sb_printf(&b,
                  "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"#ddd\"/>\n",
                  L, L + pw, PY(y), PY(y));
        if (f->logy)
            sb_printf(&b,
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">"
                      "1e%d</text>\n",
                      L - 6, PY(y) + 4, (int)lround(y));
        else
            sb_printf(&b,
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g"
                      "</text>\n",
                      L - 6, PY(y) + 4, fabs(y) < 1e-12 * ystep ? 0.0 : y);
    }
    if (f->logx) { /* 1, 2, 5 times the powers of ten in range */
        for (double dec = floor(x0); dec <= ceil(x1); dec += 1)
            for (int m = 0; m < 3; m++) {
                const double mult[3] = {1, 2, 5};
                double x = dec + log10(mult[m]);
                if (x < x0 - 1e-9 || x > x1 + 1e-9)
                    continue;
                sb_printf(&b,
                          "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                          "y2=\"%.1f\" stroke=\"#eee\"/>\n<text x=\"%.1f\" "
                          "y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
                          PX(x), PX(x), T, T + ph, PX(x), T + ph + 16,
                          pow(10, x));
            }
    } else {
        for (double x = ceil(x0 / xstep) * xstep; x <= x1 + 1e-9 * xstep;
             x += xstep)
            sb_printf(&b,
                      "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                      "y2=\"%.1f\" stroke=\"#eee\"/>\n<text x=\"%.1f\" "
                      "y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
                      PX(x), PX(x), T, T + ph, PX(x), T + ph + 16, x);
    }
    sb_printf(&b,
              "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" "
              "fill=\"none\" stroke=\"#333\"/>\n",
              L, T, pw, ph);
    sb_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
              L + pw / 2, H - 14);
    sb_text(&b, f->xlabel);
    sb_printf(&b, "</text>\n<text transform=\"translate(18,%.1f) rotate(-90)\" "
                  "text-anchor=\"middle\">",
              T + ph / 2);
    sb_text(&b, f->ylabel);
    sb_printf(&b, "</text>\n");
    if (isfinite(f->hline) && (!f->logy || f->hline > 0)) {
        double h = PY(f->logy ? log10(f->hline) : f->hline);
        sb_printf(&b,
                  "<line x1=\"%g\" x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"#000\" stroke-dasharray=\"6,4\"/>\n"
                  "<text x=\"%g\" y=\"%.1f\" font-size=\"11\">",
                  L, L + pw, h, h, L + 4, h - 4);
        sb_text(&b, f->hline_label);
        sb_printf(&b, "</text>\n");
    }
    for (int s = 0; s < f->n_series; s++) {
        const nninit_lab_series *se = &f->series[s];
        const char *col = colors[s % 10];
        const char *dash = s >= 10 ? " stroke-dasharray=\"4,3\"" : "";
        sb_printf(&b, "<polyline fill=\"none\" stroke=\"%s\" "
                      "stroke-width=\"1.8\"%s points=\"",
                  col, dash);
        int pts = 0;
        for (int i = 0; i < se->n; i++) {
            double x = xs(f, se->x[i]), y = se->y[i];
            if (!isfinite(x) || !isfinite(y) || (f->logy && y <= 0))
                continue;
            double yy = f->logy ? log10(y) : y;
            if (fixed && (yy < y0 || yy > y1))
                continue; /* off a fixed range: the line leaves the plot */
            yy = fmax(y0, fmin(y1, yy));
            sb_printf(&b, "%.1f,%.1f ", PX(x), PY(yy));
            pts++;
        }
        sb_printf(&b, "\"/>\n");
        if (pts == 1 || se->n <= 40) { /* markers for short series */
            for (int i = 0; i < se->n; i++) {
                double x = xs(f, se->x[i]), y = se->y[i];
                if (!isfinite(x) || !isfinite(y) || (f->logy && y <= 0))
                    continue;
                double yy = f->logy ? log10(y) : y;
                if (fixed && (yy < y0 || yy > y1))
                    continue;
                sb_printf(&b,
                          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                          "fill=\"%s\"/>\n",
                          PX(x), PY(yy), col);
            }
        }
        double ly = T + 10 + 18.0 * s;
        sb_printf(&b,
                  "<line x1=\"%g\" x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"%s\" stroke-width=\"2.5\"%s/>\n<text x=\"%g\" "
                  "y=\"%.1f\">",
                  L + pw + 12, L + pw + 36, ly, ly, col, dash, L + pw + 42,
                  ly + 4);
        sb_text(&b, se->label);
        if (pts == 0)
            sb_printf(&b, " (no finite value)");
        sb_printf(&b, "</text>\n");
    }
    sb_printf(&b, "</svg>\n");
#undef PX
#undef PY
    *bp = b;
}

int nninit_lab_svg_render(const nninit_lab_figure *f,
                          const nninit_allocator *alloc, char **out,
                          size_t *len, nninit_error *err)
{
    sbuf b = {NULL, 0, 0, 0, alloc};
    *out = NULL;
    render(f, &b);
    if (b.oom || !b.p) {
        nninit__free(alloc, b.p);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    *out = b.p;
    if (len)
        *len = b.len;
    return NNINIT_OK;
}

int nninit_lab_svg_write(const nninit_lab_figure *f, const char *path,
                         nninit_error *err)
{
    char *text;
    size_t len;
    int rc = nninit_lab_svg_render(f, f->alloc, &text, &len, err);
    if (rc)
        return rc;
    nninit_ofile of;
    rc = nninit_ofile_open(&of, path, err);
    if (!rc) {
        rc = nninit_ofile_write(&of, text, len, err);
        if (rc)
            nninit_ofile_abort(&of);
        else
            rc = nninit_ofile_commit(&of, err);
    }
    nninit__free(f->alloc, text);
    return rc;
}
