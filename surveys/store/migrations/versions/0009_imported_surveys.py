"""imported surveys: XLSForm imports and their translations live in the database

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01 03:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('imported_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('translations', sa.Text(), nullable=False),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('source_version', sa.String(length=255), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_surveys')),
    sa.UniqueConstraint('survey_id', 'version', name=op.f('uq_imported_surveys_survey_id'))
    )


def downgrade() -> None:
    op.drop_table('imported_surveys')
