// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl dispatch through a table, as iommufd's: each node (the control node,
 * the I/O node) has a table indexed by command number, whose entries give
 * the handler and the size of the argument's first version (TD_IOCTL_OP).
 * Every argument begins with size and flags: a size below the first version
 * is -EINVAL; a larger one than the module's structure is fine when the
 * unknown tail is zero (copy_struct_from_user gives -E2BIG otherwise), and a
 * smaller one from the first version on is zero-extended, so structures grow
 * by appending and older callers keep working. Handlers run with
 * testdev->lock held, and not at all once the function is unbound (-ENODEV).
 *
 * Also what the nodes and the commands share around the table: a node's open
 * (the same capability, lock and unbind rules), and the objects commands name
 * by id (buffers, domains), freed through their kind's ops, as iommufd's
 * objects are.
 * Bottom layer: calls only the functions it was given.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include "testdev.h"

/* The command the caller encoded is the op's: type, number and direction as
 * the header defines them; the size bits are the caller's version of the
 * structure, the first one or any later. */
static bool cmd_matches(const struct td_ioctl_op *op, unsigned int cmd)
{
	const unsigned int size_bits = _IOC_SIZEMASK << _IOC_SIZESHIFT;

	return (cmd & ~size_bits) == (op->cmd & ~size_bits) && _IOC_SIZE(cmd) >= op->min_size;
}

long td_ioctl_dispatch(struct testdev *td, const struct td_ioctl_op *ops, size_t nops, unsigned int cmd,
		       void __user *uarg)
{
	const struct td_ioctl_op *op;
	union td_ucmd_buffer buf;
	u32 usize;
	long ret;

	if (_IOC_NR(cmd) >= nops)
		return -ENOTTY;
	op = &ops[_IOC_NR(cmd)];
	if (!op->execute || !cmd_matches(op, cmd))
		return -ENOTTY;
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < op->min_size)
		return -EINVAL;
	memset(&buf, 0, sizeof(buf));
	ret = copy_struct_from_user(&buf, op->size, uarg, usize);
	if (ret)
		return ret;

	mutex_lock(&td->lock);
	ret = td->dead ? -ENODEV : op->execute(td, &buf);
	mutex_unlock(&td->lock);
	/* Copy out no more than the caller's size. */
	if (!ret && op->copy_out && copy_to_user(uarg, &buf, min_t(size_t, usize, op->size)))
		ret = -EFAULT;
	return ret;
}

int td_node_open(struct file *file, struct testdev *td, int (*claim)(struct testdev *td))
{
	int ret;

	/* The nodes are 0600 root; DMA control also needs the capability. */
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	mutex_lock(&td->lock);
	ret = td->dead ? -ENODEV : claim(td);
	mutex_unlock(&td->lock);
	if (ret)
		return ret;
	kref_get(&td->ref);
	file->private_data = td;
	return 0;
}

int td_obj_free(struct testdev *td, struct xarray *xa, u32 id, const struct td_obj_ops *ops)
{
	void *obj = xa_load(xa, id);

	if (!obj)
		return -ENOENT;
	if (ops->busy(obj))
		return -EBUSY;
	xa_erase(xa, id);
	ops->destroy(td, obj);
	return 0;
}

void td_objs_destroy(struct testdev *td, struct xarray *xa, const struct td_obj_ops *ops)
{
	unsigned long id;
	void *obj;

	xa_for_each(xa, id, obj) {
		xa_erase(xa, id);
		ops->destroy(td, obj);
	}
}
