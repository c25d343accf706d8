"""record keys for the Cell Key Method: every response and referral gets a random key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 03:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLES = ('responses', 'referrals')


def upgrade() -> None:
    # existing rows get random keys drawn by the database itself, in [0, 2^32) like surveys.core.disclosure's
    random_key = ('(abs(random()) % 4294967296)' if op.get_bind().dialect.name == 'sqlite'
                  else 'floor(random() * 4294967296)::bigint')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('record_key', sa.BigInteger(), nullable=True))
        op.execute(f'UPDATE {table} SET record_key = {random_key}')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('record_key', existing_type=sa.BigInteger(), nullable=False)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('record_key')
