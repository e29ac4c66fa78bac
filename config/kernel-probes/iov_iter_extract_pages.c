// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOV_ITER_EXTRACT_PAGES -- iov_iter_extract_pages(), to pin a request's user pages (6.3+) */
#include <linux/module.h>
#include <linux/uio.h>

ssize_t lab_probe(struct iov_iter *i, struct page ***pages, size_t *off);
ssize_t lab_probe(struct iov_iter *i, struct page ***pages, size_t *off)
{
	return iov_iter_extract_will_pin(i) ? iov_iter_extract_pages(i, pages, 4096, 1, 0, off) : 0;
}
MODULE_LICENSE("GPL");
